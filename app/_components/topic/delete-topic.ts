/** What deleting a topic does, said the same in its list row and on its page. */
export const TOPIC_DELETE_CONSEQUENCE = 'Its messages, queues and consumer offsets are removed. Producers sending to it will get errors.';
