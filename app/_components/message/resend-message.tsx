'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBanner } from '../errors.tsx';
import { NavLink } from '../nav-link.tsx';
import { Overlay } from '../overlay.tsx';
import { useToast } from '../toast.tsx';
import { useTRPC } from '../trpc.tsx';
import { buttonClass, inputClass, linkClass, secondaryButtonClass } from '../ui.tsx';
import { messageHref } from './search-params.ts';

/** Topics the target list offers at most; more than this and the operator types into a long list anyway. */
const MAX_TARGET_TOPICS = 200;
const OWN_TOPIC = '';

/**
 * An operator's resend of a stored message: to its own topic (a dead letter's origin) or another topic of the
 * same type. Afterwards the dialog links to the new message; both traces show RESENT naming the other.
 */
export function ResendMessage({ instanceId, messageId, homeTopic, messageType }: { instanceId: string; messageId: string; homeTopic: string; messageType: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState(OWN_TOPIC);
  const topics = useQuery({ ...trpc.topic.list.queryOptions({ instanceId, pageSize: MAX_TARGET_TOPICS, sort: 'name' }), enabled: open });
  const resend = useMutation(
    trpc.message.resend.mutationOptions({
      onSuccess: (sent) => {
        toast.show('success', `Resent as ${sent.messageId}`);
        void queryClient.invalidateQueries({ queryKey: trpc.message.get.queryKey({ instanceId, messageId }) });
      },
    }),
  );
  const targets = (topics.data?.rows ?? []).filter((t) => t.name !== homeTopic && (messageType === null || t.messageType === messageType));
  function close(): void {
    setOpen(false);
    setTo(OWN_TOPIC);
    resend.reset();
  }
  const sent = resend.data;
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} className={secondaryButtonClass}>
        Resend
      </button>
      {open && (
        <Overlay
          title="Resend this message"
          placement="dialog"
          onClose={close}
          footer={
            sent ? (
              <button type="button" onClick={close} className={secondaryButtonClass}>
                Close
              </button>
            ) : (
              <>
                <button type="button" onClick={close} className={secondaryButtonClass}>
                  Cancel
                </button>
                <button type="button" disabled={resend.isPending} onClick={() => resend.mutate({ instanceId, messageId, ...(to ? { to } : {}) })} className={buttonClass}>
                  {resend.isPending ? 'Resending…' : 'Resend'}
                </button>
              </>
            )
          }
        >
          {sent ? (
            <p data-testid="resend-result" className="text-sm">
              Resent as{' '}
              <NavLink href={messageHref(instanceId, sent.messageId)} className={`font-mono text-xs ${linkClass}`}>
                {sent.messageId}
              </NavLink>
              . Both traces show the RESENT step naming the other message.
            </p>
          ) : (
            <div className="space-y-3 text-sm">
              <p className="text-slate-700 dark:text-slate-300">A copy with a new id: the same body, keys, tag and user properties, delivered now to every group of the topic.</p>
              <label className="block">
                <span className="font-medium text-slate-700 dark:text-slate-200">Send to</span>
                <select aria-label="Send to" value={to} onChange={(e) => setTo(e.target.value)} className={`mt-1 w-full ${inputClass}`}>
                  <option value={OWN_TOPIC}>Its own topic ({homeTopic})</option>
                  {targets.map((t) => (
                    <option key={t.name} value={t.name}>
                      {t.name}
                    </option>
                  ))}
                </select>
                <span className="mt-1 block text-xs text-slate-500 dark:text-slate-400">{messageType ? `Only ${messageType} topics take it.` : 'Only topics of its type take it.'}</span>
              </label>
              <ErrorBanner error={resend.error} />
            </div>
          )}
        </Overlay>
      )}
    </>
  );
}
