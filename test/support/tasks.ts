/**
 * Scaffolder tasks through the portal's REST API, as the portal's form runs them: start one
 * (`POST /v2/tasks`), read its status and log, wait for its end, or follow its event stream until
 * its completion. Shared by the portal, sandbox and journey suites; each passes its own `api`,
 * which carries the caller's token.
 */
import assert from 'node:assert/strict';
import { waitFor } from './ports.js';

/** Calls the portal's API as someone (the suite's own helper, with its token). */
export type PortalApi = (path: string, init?: RequestInit) => Promise<Response>;

/** One entry of a task's log, as the scaffolder streams it. */
export interface TaskLogEntry {
  message: string;
  stepId?: string;
  status?: string;
}

/** One event of a task: a log line, its completion, a cancel or a recovery (a retry). */
export interface TaskEvent {
  type: 'log' | 'completion' | 'cancelled' | 'recovered';
  body: TaskLogEntry & { output?: Record<string, any> };
}

/** A finished task (or dry run): how it ended, its log and its output. */
export interface TaskRun {
  /** Task id; none for a dry run. */
  id?: string;
  status: 'completed' | 'failed' | 'cancelled';
  log: TaskLogEntry[];
  output: Record<string, any>;
  /** The log as one text, for matching and for failure messages. */
  text: string;
}

export interface ScaffolderTasks {
  /** Starts a template (`POST /v2/tasks`, which must answer 201) and answers the task's id. */
  start(templateRef: string, values: Record<string, unknown>): Promise<string>;
  /** The task's status now (`open`, `processing`, `completed`, `failed`, `cancelled`). */
  status(id: string): Promise<string>;
  /** The task's events so far (`GET /v2/tasks/:id/events`), without waiting for more. */
  events(id: string): Promise<TaskEvent[]>;
  /** Waits until the task is no longer open or processing, and answers its status. */
  end(id: string, timeoutMs?: number): Promise<string>;
  /** Follows the task's event stream until the server ends it at the task's completion. */
  follow(id: string, timeoutMs?: number): Promise<TaskRun>;
  /** Starts a template and follows it until its completion. */
  run(
    templateRef: string,
    values: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<TaskRun>;
}

const fiveMinutes = 5 * 60_000;

export function scaffolderTasks(api: PortalApi): ScaffolderTasks {
  const json = async (response: Response, what: string) => {
    const text = await response.text();
    assert.ok(response.ok, `${what}: ${response.status} ${text}`);
    return JSON.parse(text);
  };

  const tasks: ScaffolderTasks = {
    async start(templateRef, values) {
      const response = await api('/api/scaffolder/v2/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ templateRef, values }),
      });
      const text = await response.text();
      assert.equal(
        response.status,
        201,
        `POST /v2/tasks ${templateRef}: ${text}`,
      );
      return (JSON.parse(text) as { id: string }).id;
    },
    async status(id) {
      const task = await json(
        await api(`/api/scaffolder/v2/tasks/${id}`),
        `GET /v2/tasks/${id}`,
      );
      return (task as { status: string }).status;
    },
    async events(id) {
      return json(
        await api(`/api/scaffolder/v2/tasks/${id}/events`),
        `GET /v2/tasks/${id}/events`,
      );
    },
    end: (id, timeoutMs = fiveMinutes) =>
      waitFor(
        `task ${id} to end`,
        async () => {
          const status = await tasks.status(id);
          return ['open', 'processing'].includes(status) ? undefined : status;
        },
        timeoutMs,
        250,
      ),
    async follow(id, timeoutMs = fiveMinutes) {
      const events = await readEventStream(
        await api(`/api/scaffolder/v2/tasks/${id}/eventstream`, {
          signal: AbortSignal.timeout(timeoutMs),
        }),
      );
      const end = events.find(
        e => e.type === 'completion' || e.type === 'cancelled',
      );
      return taskRun(
        (await tasks.status(id)) as TaskRun['status'],
        events.filter(e => e.type === 'log').map(e => e.body),
        end?.body.output ?? {},
        id,
      );
    },
    async run(templateRef, values, timeoutMs = fiveMinutes) {
      return tasks.follow(await tasks.start(templateRef, values), timeoutMs);
    },
  };
  return tasks;
}

/** A task's outcome from its status, log and output. */
export function taskRun(
  status: TaskRun['status'],
  log: TaskLogEntry[],
  output: Record<string, any>,
  id?: string,
): TaskRun {
  const text = log
    .map(e => `${e.stepId ?? '-'} ${e.status ?? ''} ${e.message}`)
    .join('\n');
  return { id, status, log, output, text };
}

/** The server-sent events of a task, until the server ends the stream at its completion. */
async function readEventStream(response: Response): Promise<TaskEvent[]> {
  if (!response.ok)
    throw new Error(
      `event stream: ${response.status} ${await response.text()}`,
    );
  const events: TaskEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffer += decoder.decode(read.value, { stream: true });
    for (
      let end = buffer.indexOf('\n\n');
      end >= 0;
      end = buffer.indexOf('\n\n')
    ) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .filter(line => line.startsWith('data: '))
        .map(line => line.slice('data: '.length))
        .join('\n');
      buffer = buffer.slice(end + 2);
      if (data) events.push(JSON.parse(data));
    }
  }
  return events;
}
