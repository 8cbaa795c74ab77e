/**
 * The subset of `apache.rocketmq.v2` messages Meridian reads and writes, as @grpc/proto-loader decodes them
 * (keepCase, enums as names, int64 as numbers, absent message fields as null, absent optionals as undefined).
 */
export interface Duration {
  seconds: number;
  nanos: number;
}
export type Timestamp = Duration;

export interface Resource {
  resource_namespace: string;
  name: string;
}

export interface Address {
  host: string;
  port: number;
}

export interface Endpoints {
  scheme: string;
  addresses: Address[];
}

export type MessageTypeName = 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' | 'LITE' | 'PRIORITY' | 'MESSAGE_TYPE_UNSPECIFIED';

export interface FilterExpression {
  type: 'TAG' | 'SQL' | 'FILTER_TYPE_UNSPECIFIED';
  expression: string;
}

export interface MessageQueue {
  topic: Resource | null;
  id: number;
  permission: string;
  broker: { name: string; id: number; endpoints: Endpoints | null } | null;
  accept_message_types: string[];
}

export interface SystemProperties {
  tag?: string;
  keys: string[];
  message_id: string;
  body_digest?: { type: string; checksum: string } | null;
  body_encoding: string;
  message_type: MessageTypeName;
  born_timestamp: Timestamp | null;
  born_host: string;
  store_timestamp?: Timestamp | null;
  store_host?: string;
  delivery_timestamp?: Timestamp | null;
  receipt_handle?: string;
  queue_id: number;
  queue_offset?: number;
  invisible_duration?: Duration | null;
  delivery_attempt?: number;
  message_group?: string;
  trace_context?: string;
  orphaned_transaction_recovery_duration?: Duration | null;
}

export interface WireMessage {
  topic: Resource | null;
  user_properties: Record<string, string>;
  system_properties: SystemProperties | null;
  body: Buffer;
}

export interface SubscriptionEntry {
  topic: Resource | null;
  expression: FilterExpression | null;
}

export interface Settings {
  client_type?: string;
  access_point?: Endpoints | null;
  request_timeout?: Duration | null;
  pub_sub?: 'publishing' | 'subscription';
  publishing?: { topics: Resource[]; max_body_size: number; validate_message_type: boolean } | null;
  subscription?: {
    group?: Resource | null;
    subscriptions: SubscriptionEntry[];
    fifo?: boolean;
    receive_batch_size?: number;
    long_polling_timeout?: Duration | null;
  } | null;
  user_agent?: { language: string; version: string; platform: string; hostname: string } | null;
  metric?: { on: boolean; endpoints?: Endpoints | null } | null;
}

export interface TelemetryCommand {
  status?: Status | null;
  command?: string;
  settings?: Settings | null;
  thread_stack_trace?: { nonce: string; thread_stack_trace?: string } | null;
  verify_message_result?: { nonce: string } | null;
  recover_orphaned_transaction_command?: { message: WireMessage; transaction_id: string } | null;
}

export interface Status {
  code: string;
  message: string;
}

export function toMs(d: Duration | null | undefined): number | undefined {
  return d ? d.seconds * 1000 + Math.floor(d.nanos / 1e6) : undefined;
}

export function duration(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

export const timestamp = duration;
