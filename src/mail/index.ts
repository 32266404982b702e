export {
  MailDeliveryError,
  composeTicketCreatedMail,
  composeTicketResolvedMail,
  type MailMessage,
  type MailTransport,
  type TicketMailData,
} from '../domain/mail';
export { createSmtpTransport, classifySmtpError, type SmtpTransportOptions } from './smtp';
export {
  createGraphTransport,
  createMsalAppTokenProvider,
  isPermanentGraphStatus,
  GRAPH_DEFAULT_BASE_URL,
  type GraphTransportOptions,
  type MsalAppTokenOptions,
} from './graph';
export { createLogTransport, recipientDomain, type MailLog } from './log-transport';
