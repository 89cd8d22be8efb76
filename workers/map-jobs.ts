// The map's long-running call, as a worker job: a full layout (concepts, clusters, projection)
// is one engine call committed as a whole; the job reports progress around it and checks
// cancellation before it starts (a cancelled run changes nothing).
import type { JobContext } from './host.js';

export async function mapLayoutJob(ctx: JobContext): Promise<unknown> {
  ctx.checkCancelled();
  ctx.progress({ stage: 'start', fraction: 0 });
  await ctx.yield();
  ctx.checkCancelled();
  ctx.progress({ stage: 'layout', fraction: 0.05 });
  const result = ctx.call('mapLayoutRun', ctx.args).value;
  ctx.progress({ stage: 'done', fraction: 1 });
  return result;
}
