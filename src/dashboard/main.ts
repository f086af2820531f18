/** The page `nabla train --dashboard` and `nabla dashboard` serve: the server's runs, fed by server-sent events. */
import type { RunLogRecord } from '../train/run-log.js';
import { mountDashboard, type RecordSource } from './dashboard.js';
import { element } from './dom.js';

interface ServedRun {
  id: string;
  name: string;
  live: boolean;
}

/** How often a page with no run asks the server again. */
const POLL_MS = 2000;

const runUrl = (id: string, what: 'events' | 'model') => `api/runs/${encodeURIComponent(id)}/${what}`;

/** The header's note while a stream is cut off (the server stopped); EventSource reconnects by itself and resumes. */
function showConnection(lost: boolean): void {
  const status = document.getElementById('connection')!;
  status.hidden = !lost;
  status.textContent = lost ? 'lost the connection to the nabla server; retrying…' : '';
}

function eventSource(id: string): RecordSource {
  return {
    subscribe(onRecord) {
      const events = new EventSource(runUrl(id, 'events'));
      events.onmessage = (event: MessageEvent<string>) => onRecord(JSON.parse(event.data) as RunLogRecord);
      events.onopen = () => showConnection(false);
      events.onerror = () => showConnection(true);
      return () => events.close();
    },
  };
}

async function loadModel(id: string): Promise<Uint8Array | null> {
  const response = await fetch(runUrl(id, 'model'));
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET ${runUrl(id, 'model')}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function showNoRun(root: HTMLElement): void {
  const box = element('div', 'empty-state');
  box.id = 'no-run';
  box.append(element('h2', undefined, 'No run to show yet'));
  const how = element('p', undefined, 'Start a training run with its dashboard, or open the history of finished runs:');
  const commands = element('pre', undefined, 'npx nabla train --dashboard\nnpx nabla dashboard run.jsonl [other-run.jsonl ...]');
  const example = element('p', undefined, 'Or train the default network right here, in this browser tab: ');
  const link = element('a', undefined, 'the in-browser training example');
  link.href = 'examples/train-in-browser/';
  example.append(link, '.');
  box.append(how, commands, example, element('p', 'note', 'This page shows a run as soon as the server has one.'));
  root.replaceChildren(box);
}

function showUnreachable(root: HTMLElement, reason: string): void {
  const box = element('div', 'empty-state');
  box.append(element('h2', undefined, 'The nabla server does not answer'), element('p', undefined, `${reason}. Start it again with nabla train --dashboard or nabla dashboard RUN.jsonl, then reload.`));
  root.replaceChildren(box);
}

async function start(root: HTMLElement): Promise<void> {
  let runs: ServedRun[];
  try {
    const response = await fetch('api/runs');
    if (!response.ok) throw new Error(`GET api/runs answered HTTP ${response.status}`);
    runs = (await response.json()) as ServedRun[];
  } catch (error) {
    showUnreachable(root, (error as Error).message);
    return;
  }
  if (runs.length === 0) {
    showNoRun(root);
    setTimeout(() => void start(root), POLL_MS);
    return;
  }
  mountDashboard(
    root,
    runs.map((run) => ({ id: run.id, name: run.name, live: run.live, source: eventSource(run.id), model: () => loadModel(run.id) })),
  );
}

void start(document.getElementById('app')!);
