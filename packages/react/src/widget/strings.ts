/** The widget's words, per locale; any of them can be overridden with the `strings` prop. */
export interface WidgetStrings {
  launcher: string;
  close: string;
  minimise: string;
  restore: string;
  placeholder: string;
  send: string;
  stop: string;
  greeting: string;
  typing: string;
  sending: string;
  sent: string;
  failed: string;
  retry: string;
  reconnecting: string;
  offline: string;
  connected: string;
  connecting: string;
  talkToPerson: string;
  waitingForPerson: string;
  personJoined: string;
  assistantBack: string;
  chatClosed: string;
  sources: string;
  messages: string;
  you: string;
  assistant: string;
  person: string;
  unread: (count: number) => string;
  characters: (used: number, max: number) => string;
}

const en: WidgetStrings = {
  launcher: 'Open chat',
  close: 'Close chat',
  minimise: 'Minimise chat',
  restore: 'Restore chat',
  placeholder: 'Type your message…',
  send: 'Send message',
  stop: 'Stop the answer',
  greeting: 'Hi! How can I help you today?',
  typing: 'The assistant is writing…',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not sent.',
  retry: 'Retry',
  reconnecting: 'Connection lost. Reconnecting…',
  offline: 'You are offline. Messages will be sent when you are back.',
  connected: 'Online',
  connecting: 'Connecting…',
  talkToPerson: 'Talk to a person',
  waitingForPerson: 'A person from the team will join shortly.',
  personJoined: 'A person from the team has joined the chat.',
  assistantBack: 'The assistant is answering again.',
  chatClosed: 'This chat has been closed.',
  sources: 'Sources',
  messages: 'Messages',
  you: 'You',
  assistant: 'Assistant',
  person: 'Team',
  unread: (count) => `${count} unread ${count === 1 ? 'message' : 'messages'}`,
  characters: (used, max) => `${used}/${max}`,
};

const it: Partial<WidgetStrings> = {
  launcher: 'Apri la chat',
  close: 'Chiudi la chat',
  minimise: 'Riduci la chat',
  restore: 'Ripristina la chat',
  placeholder: 'Scrivi un messaggio…',
  send: 'Invia',
  stop: 'Interrompi la risposta',
  greeting: 'Ciao! Come posso aiutarti?',
  typing: "L'assistente sta scrivendo…",
  sending: 'Invio…',
  sent: 'Inviato',
  failed: 'Non inviato.',
  retry: 'Riprova',
  reconnecting: 'Connessione persa. Riconnessione…',
  talkToPerson: 'Parla con una persona',
  waitingForPerson: 'Una persona del team arriverà a breve.',
  personJoined: 'Una persona del team si è unita alla chat.',
  sources: 'Fonti',
  you: 'Tu',
};

const LOCALES: Record<string, Partial<WidgetStrings>> = { en, it };

/** The strings for `locale` (`it`, `it-IT`…), English where it has none, then `overrides`. */
export function stringsFor(
  locale: string | undefined,
  overrides: Partial<WidgetStrings> = {},
): WidgetStrings {
  const language = (locale ?? 'en').toLowerCase().split('-')[0] ?? 'en';
  return { ...en, ...LOCALES[language], ...overrides };
}
