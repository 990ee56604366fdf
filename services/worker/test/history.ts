import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Why Temporal stopped retrying an activity whose failure was not retryable (ApplicationFailure.nonRetryable). */
export const NON_RETRYABLE = 'RETRY_STATE_NON_RETRYABLE_FAILURE';

/** One activity the workflow scheduled, as its history tells it. */
export interface ActivityInHistory {
  /** Its type: beginRun, discover, processBatch, finishRun, ... */
  activity: string;
  /**
   * The attempt the history's started event records: Temporal writes that event once, when the
   * activity closes, with the attempt that closed it (1 when it was never retried; 0 if never started).
   */
  attempt: number;
  ended: 'completed' | 'failed' | 'timedOut' | 'canceled' | 'open';
  /** For a failed or timed-out activity: why no further attempt came (NON_RETRYABLE, RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, ...). */
  retryState?: string;
  /** For a failed activity: its failure's message. */
  message?: string;
}

interface JsonEvent {
  eventId: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  activityTaskStartedEventAttributes?: { scheduledEventId: string; attempt?: number };
  activityTaskCompletedEventAttributes?: { scheduledEventId: string };
  activityTaskFailedEventAttributes?: { scheduledEventId: string; retryState?: string; failure?: { message?: string } };
  activityTaskTimedOutEventAttributes?: { scheduledEventId: string; retryState?: string };
  activityTaskCanceledEventAttributes?: { scheduledEventId: string };
}

/** The activities of the workflow's (latest) execution, in the order they were scheduled. */
export async function activitiesInHistory(handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<ActivityInHistory[]> {
  const { events } = JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: JsonEvent[] };
  const byScheduled = new Map<string, ActivityInHistory>();
  const of = (scheduledEventId: string) => {
    const activity = byScheduled.get(scheduledEventId);
    if (!activity) throw new Error(`history event for an activity scheduled by event ${scheduledEventId}, which scheduled none`);
    return activity;
  };
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes) {
      byScheduled.set(event.eventId, { activity: event.activityTaskScheduledEventAttributes.activityType?.name ?? '?', attempt: 0, ended: 'open' });
    } else if (event.activityTaskStartedEventAttributes) {
      of(event.activityTaskStartedEventAttributes.scheduledEventId).attempt = event.activityTaskStartedEventAttributes.attempt ?? 0;
    } else if (event.activityTaskCompletedEventAttributes) {
      of(event.activityTaskCompletedEventAttributes.scheduledEventId).ended = 'completed';
    } else if (event.activityTaskFailedEventAttributes) {
      const { scheduledEventId, retryState, failure } = event.activityTaskFailedEventAttributes;
      Object.assign(of(scheduledEventId), { ended: 'failed', retryState, message: failure?.message });
    } else if (event.activityTaskTimedOutEventAttributes) {
      const { scheduledEventId, retryState } = event.activityTaskTimedOutEventAttributes;
      Object.assign(of(scheduledEventId), { ended: 'timedOut', retryState });
    } else if (event.activityTaskCanceledEventAttributes) {
      of(event.activityTaskCanceledEventAttributes.scheduledEventId).ended = 'canceled';
    }
  }
  return [...byScheduled.values()];
}

/**
 * With CAPTURE_HISTORIES=1, saves the workflow's (latest execution's) history for replay.spec.ts
 * as `histories/<name>-<YYYY-MM-DD>.json`. It never overwrites a file: a history saved earlier
 * (written by older workflow code) is what replay must keep passing, so a second capture the same
 * day fails instead (delete that day's file first if it is to be captured again).
 */
export async function captureHistory(handle: Pick<WorkflowHandle, 'fetchHistory'>, name: string): Promise<void> {
  if (process.env.CAPTURE_HISTORIES !== '1') return;
  const file = join(__dirname, 'histories', `${name}-${new Date().toISOString().slice(0, 10)}.json`);
  await writeFile(file, historyToJSON(await handle.fetchHistory()), { flag: 'wx' });
}
