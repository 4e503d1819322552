/** Outbound SMS through whichever provider is configured (sim, twilio...). */
export interface SmsSender {
  send(msg: { to: string; text: string; ref?: string }): Promise<{ id: string }>;
}

/** An SMS that reached the hotline number, normalised from any provider's webhook. */
export interface InboundSms {
  id: string;
  from: string;
  to: string;
  text: string;
  at: Date;
  provider: string;
}
