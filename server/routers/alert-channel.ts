import { router } from '../trpc.ts';

/** (being written) */
export const alertChannelRouter = router({});
