/** What the console refuses to send itself (the send form, an import), whichever way the messages come in. */
import type { Topic } from './broker/index.ts';
import { AppError } from './trpc.ts';

/**
 * Throws unless the console may store messages in the topic itself: a transactional message needs a producer
 * that commits or rolls it back (and answers the broker's checks), which the console is not.
 */
export function assertConsoleCanSend(topic: Pick<Topic, 'messageType'>): void {
  if (topic.messageType === 'TRANSACTION') {
    throw new AppError('UNSUPPORTED_FROM_CONSOLE', 'BAD_REQUEST', 'Transactional messages need a producer that can end them: send them with an SDK');
  }
}
