/**
 * Migrations were first named for the project phase that added them; they are named for what they do
 * now. A database migrated under the old names has its schema_migrations rows renamed when it is
 * opened, so it does not apply them again (both engines, in the migration transaction).
 */
export const RENAMED_MIGRATIONS: Readonly<Record<string, string>> = {
  '001-initial': '001-tickets-queues-and-outbox',
  '002-sla': '002-sla-targets-and-surveys',
  '003-hardening': '003-redactable-history-and-personal-data',
  '004-beyond': '004-requester-cards-and-additions',
  '006-polish': '006-attachment-cleanup',
};
