/** The service catalog: model and parsing, navigation by role, form validation, phone numbers. */
export { CatalogError, compileFieldRegex, FIELD_TYPES, parseCatalog, RESERVED_FIELD_IDS } from './schema';
export type {
  Catalog,
  Category,
  FieldChoice,
  FieldDef,
  FieldType,
  ReservedFieldId,
  Service,
  Sla,
  Template,
} from './schema';
export { audienceAllows, CatalogService } from './catalog';
export type { CanUse, TemplateLocation } from './catalog';
export {
  CONTACT_CHANNELS,
  DESCRIPTION_MAX_LENGTH,
  DESCRIPTION_MIN_LENGTH,
  effectiveMaxLength,
  validateSubmission,
} from './validate';
export type { ContactChannel, SubmissionResult } from './validate';
export { normalizePhone } from './contact';
export { MAX_SUGGESTIONS, suggestTemplates } from './suggest';
export type { Suggestion } from './suggest';
