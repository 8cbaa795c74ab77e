import type { MessageType } from '../../../server/broker/rules.ts';

// What each message type means, kept together so the create form and a topic's page cannot drift apart.

/** The hint under the create form's choice of type. */
export const MESSAGE_TYPE_PURPOSE: Record<MessageType, string> = {
  NORMAL: 'Plain messages, delivered in any order.',
  FIFO: 'Ordered per message group; producers must set a message group.',
  DELAY: 'Delivered at a chosen time (scheduled messages).',
  TRANSACTION: 'Half messages committed or rolled back by the producer.',
};

/** What a topic of the type takes from producers, as its page describes it. */
export const MESSAGE_TYPE_ACCEPTS: Record<MessageType, string> = {
  NORMAL: 'accepts normal messages (no message group, no delivery time, no transaction)',
  FIFO: 'accepts messages with a message group; each group is consumed in order',
  DELAY: 'accepts messages with a delivery time',
  TRANSACTION: 'accepts transactional half messages',
};
