'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Badge } from '../badge.tsx';
import { DeleteRow } from '../confirm.tsx';
import { useErrorToast } from '../errors.tsx';
import { DrawerButton } from '../overlay.tsx';
import { useToast } from '../toast.tsx';
import { useTRPC } from '../trpc.tsx';
import { linkButtonClass } from '../ui.tsx';
import { ChannelForm, type ChannelRow } from './channel-form.tsx';

/** The last outcome on the channel, with the failure's sentence under it (not only in a tooltip). */
export function ChannelStatus({ channel }: { channel: ChannelRow }) {
  if (!channel.lastStatus) return <span className="text-xs text-slate-400">never used</span>;
  if (channel.lastStatus === 'ok') return <Badge tone="green">delivered</Badge>;
  return (
    <div data-testid={`channel-error-${channel.name}`} className="max-w-sm space-y-1">
      <Badge tone="red">failing</Badge>
      <p className="text-xs break-words text-red-700 dark:text-red-300">{channel.lastError}</p>
    </div>
  );
}

/** Sends one test notification now and says at once whether it went through. */
export function SendTestButton({ channel }: { channel: ChannelRow }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const test = useMutation(
    trpc.alertChannel.sendTest.mutationOptions({
      onSuccess: (r) => {
        void qc.invalidateQueries({ queryKey: trpc.alertChannel.list.pathKey() });
        if (r.delivered) toast.show('success', `Test notification delivered on ${channel.name}.`);
        else toast.show('error', `Test on ${channel.name} failed: ${r.error ?? 'no reason given'}`);
      },
      onError: useErrorToast(),
    }),
  );
  return (
    <button type="button" aria-label={`Send test on ${channel.name}`} disabled={test.isPending} onClick={() => test.mutate({ name: channel.name })} className={linkButtonClass}>
      {test.isPending ? 'Sending…' : 'Send test'}
    </button>
  );
}

export function EditChannel({ channel }: { channel: ChannelRow }) {
  return (
    <DrawerButton label="Edit" title={`Edit channel ${channel.name}`} buttonClassName={linkButtonClass}>
      {(close) => <ChannelForm channel={channel} onDone={close} />}
    </DrawerButton>
  );
}

export function DeleteChannel({ channel }: { channel: ChannelRow }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const del = useMutation(trpc.alertChannel.delete.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.alertChannel.list.pathKey() }) }));
  return <DeleteRow what="channel" name={channel.name} consequence="Alert rules stop notifying it, and its queued and past deliveries are deleted with it." onConfirm={() => del.mutateAsync({ name: channel.name })} />;
}
