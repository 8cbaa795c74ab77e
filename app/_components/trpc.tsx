'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '../../server/routers/_app.ts';
import { Toaster } from './toast.tsx';

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/** How many times a failed query is tried again (network errors and 5xx only). */
const MAX_QUERY_RETRIES = 2;

interface ErrorShape {
  message?: string;
  data?: { appCode?: string; code?: string; httpStatus?: number; field?: string; zodIssues?: { path: string; message: string }[] } | null;
}

function shapeOf(err: unknown): ErrorShape {
  return typeof err === 'object' && err !== null ? (err as ErrorShape) : {};
}

/**
 * Whether a failed query is worth trying again: the network failed (no answer, so no data) or the server
 * failed (5xx). A 4xx is an answer (not found, forbidden, invalid): asking again gets the same answer.
 */
export function isRetryable(err: unknown): boolean {
  const data = shapeOf(err).data;
  if (!data) return true;
  return (data.httpStatus ?? 500) >= 500;
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 2_000, retry: (count, err) => count < MAX_QUERY_RETRIES && isRetryable(err) },
          mutations: { retry: false },
        },
      }),
  );
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc' })] }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Toaster>{children}</Toaster>
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** A failure as a page shows it: a plain sentence, the stable code, and the fields it names. */
export interface ErrorInfo {
  message: string;
  code: string;
  httpStatus: number | undefined;
  /** Field → sentence, from the error's `field` and its zod issues (top-level input key). */
  fields: Record<string, string>;
}

/**
 * The input field a refusal is about when the server names none: a name already taken, a body over the
 * instance's limit. Keyed by the stable appCode, so the form shows it beside that field.
 */
const FIELD_OF_CODE: Readonly<Record<string, string>> = {
  TOPIC_EXISTS: 'name',
  GROUP_EXISTS: 'name',
  NAMESPACE_EXISTS: 'name',
  INSTANCE_EXISTS: 'name',
  USER_EXISTS: 'username',
  MESSAGE_TOO_LARGE: 'body',
  MESSAGE_BODY_EMPTY: 'body',
};

const NETWORK_MESSAGE = 'The console could not reach its server. Check the connection and try again.';
const FALLBACK_MESSAGE = 'The request failed.';

/** A server message that is not a sentence (serialized JSON, an empty string) is never shown as it is. */
function isSentence(message: string | undefined): message is string {
  return !!message && !/^\s*[[{]/.test(message);
}

export function errorInfo(err: unknown): ErrorInfo {
  const { message, data } = shapeOf(err);
  const fields: Record<string, string> = {};
  for (const issue of data?.zodIssues ?? []) {
    const key = issue.path.split('.')[0] ?? '';
    if (key && !fields[key]) fields[key] = issue.message;
  }
  const firstIssue = data?.zodIssues?.[0]?.message;
  const sentence = isSentence(message) ? message : (firstIssue ?? (data ? FALLBACK_MESSAGE : NETWORK_MESSAGE));
  const fieldKey = data?.field?.split('.')[0] ?? FIELD_OF_CODE[data?.appCode ?? ''];
  if (fieldKey && !fields[fieldKey]) fields[fieldKey] = data?.zodIssues?.[0]?.message ?? sentence;
  return { message: sentence, code: data?.appCode ?? data?.code ?? (data ? 'UNKNOWN' : 'NETWORK'), httpStatus: data?.httpStatus ?? undefined, fields };
}

/** Whether a failure means "there is no such thing" (the page shows its not-found state). */
export function isNotFound(err: unknown): boolean {
  const info = errorInfo(err);
  return info.httpStatus === 404 || info.code.endsWith('NOT_FOUND');
}
