import { api, readStream, useKey } from './api.js';

const MAX_EVENTS_SHOWN = 50;
const REFRESH_MS = 2000;
const STATUS_POLL_MS = 500;

const $ = (id) => document.getElementById(id);
const say = (id, text, isError = false) => {
  $(id).textContent = text;
  $(id).classList.toggle('error', isError);
};

/** An element with text content only: nothing from the service is ever parsed as HTML. */
function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes))
    node.setAttribute(name, value);
  return node;
}

// ---- the stream ----

let streamStop;
let lastCursor;
// The registration's event may arrive on the stream before POST /users answers, or after.
const waitingForUser = new Set();
const registeredEvents = new Map();

async function connect() {
  streamStop?.abort();
  const stop = new AbortController();
  streamStop = stop;
  while (!stop.signal.aborted) {
    try {
      await readStream({
        after: lastCursor,
        signal: stop.signal,
        onOpen: () => say('connection', 'Connected: new events appear below.'),
        onEvent: (event, id) => {
          lastCursor = id;
          showEvent(event);
        },
      });
      say('connection', 'The stream ended; reconnecting.');
    } catch (error) {
      if (stop.signal.aborted) return;
      say(
        'connection',
        `Stream unavailable: ${error.message}. Retrying.`,
        true,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
  }
}

function showEvent(event) {
  const item = element(
    'li',
    `${event.type} · ${event.streamid ?? event.source} · ${event.time}`,
    {
      tabindex: '0',
      'data-event-id': event.id,
      'data-event-type': event.type,
    },
  );
  const select = () => selectEvent(event.id);
  item.addEventListener('click', select);
  item.addEventListener('keydown', (key) => {
    if (key.key === 'Enter' || key.key === ' ') {
      key.preventDefault();
      select();
    }
  });
  const list = $('events');
  list.prepend(item);
  while (list.children.length > MAX_EVENTS_SHOWN)
    list.lastElementChild.remove();
  const userId =
    event.type === 'user.registered' ? event.data?.userId : undefined;
  if (userId === undefined) return;
  if (waitingForUser.delete(userId)) void selectEvent(event.id);
  else {
    registeredEvents.set(userId, event.id);
    if (registeredEvents.size > MAX_EVENTS_SHOWN)
      registeredEvents.delete(registeredEvents.keys().next().value);
  }
}

// ---- one event: its deliveries and its CloudEvents view ----

let selected;
let statusTimer;

async function selectEvent(id) {
  selected = id;
  clearTimeout(statusTimer);
  for (const item of $('events').children)
    item.setAttribute('aria-current', String(item.dataset.eventId === id));
  try {
    const event = await api('GET', `/events/${encodeURIComponent(id)}`);
    if (selected !== id) return;
    say(
      'event-summary',
      `${event.type} ${event.id} (position ${event.position})`,
    );
    $('cloudevent').textContent = JSON.stringify(event, null, 2);
    await refreshDeliveries(id);
  } catch (error) {
    say('event-summary', `Could not read the event: ${error.message}`, true);
  }
}

async function refreshDeliveries(id) {
  if (selected !== id) return;
  try {
    const status = await api('GET', `/events/${encodeURIComponent(id)}/status`);
    const list = $('deliveries');
    list.replaceChildren(
      ...status.subscriptions.map((state) => {
        const item = element('li', `${state.subscription}: `, {
          'data-subscription': state.subscription,
        });
        item.append(
          element('span', state.status.replace('_', ' '), {
            class: `status-${state.status}`,
          }),
        );
        return item;
      }),
    );
    const settled = status.subscriptions.every(
      (state) => state.status === 'delivered',
    );
    if (!settled)
      statusTimer = setTimeout(() => refreshDeliveries(id), STATUS_POLL_MS);
  } catch (error) {
    $('deliveries').replaceChildren(
      element('li', `Could not read the deliveries: ${error.message}`),
    );
  }
}

// ---- subscriptions and dead letters ----

async function refreshStats() {
  try {
    const stats = await api('GET', '/events/stats');
    $('subscriptions').replaceChildren(
      ...stats.subscriptions.map((s) => {
        const row = element('tr', undefined, { 'data-subscription': s.name });
        row.append(
          element('th', s.name, { scope: 'row' }),
          element('td', String(s.lag)),
          element('td', String(s.processed)),
          element('td', String(s.failed)),
          element('td', String(s.parked)),
        );
        return row;
      }),
    );
  } catch {
    // Shown by the connection status; the next refresh tries again.
  }
}

async function refreshDeadLetters() {
  try {
    const page = await api('GET', '/events/dead-letters');
    const items = page.dead_letters.map((entry) => {
      const item = element(
        'li',
        `${entry.subscription} · ${entry.event_type} · ${entry.attempts} attempt(s): ${entry.last_error?.message ?? ''}`,
        {
          'data-dead-letter': entry.id,
        },
      );
      const buttons = element('div', undefined, { class: 'row' });
      const retry = element('button', 'Retry', { type: 'button' });
      retry.setAttribute(
        'aria-label',
        `Retry ${entry.event_type} for ${entry.subscription}`,
      );
      retry.addEventListener('click', () =>
        act('POST', `/events/dead-letters/${entry.id}/retry`, 'Retried'),
      );
      const discard = element('button', 'Discard', {
        type: 'button',
        class: 'secondary',
      });
      discard.setAttribute(
        'aria-label',
        `Discard ${entry.event_type} for ${entry.subscription}`,
      );
      discard.addEventListener('click', () =>
        act('DELETE', `/events/dead-letters/${entry.id}`, 'Discarded'),
      );
      buttons.append(retry, discard);
      item.append(buttons);
      return item;
    });
    $('dead-letters').replaceChildren(
      ...(items.length > 0 ? items : [element('li', 'No dead letters.')]),
    );
  } catch (error) {
    say(
      'dead-status',
      error.status === 403
        ? 'Dead letters need a key with the admin role.'
        : `Could not list dead letters: ${error.message}`,
      error.status !== 403,
    );
  }
}

async function act(method, path, done) {
  try {
    const result = await api(method, path);
    say(
      'dead-status',
      result?.outcome
        ? `${done}: ${result.outcome.replace('_', ' ')}`
        : `${done}.`,
    );
  } catch (error) {
    say('dead-status', `Failed: ${error.message}`, true);
  }
  await Promise.all([refreshDeadLetters(), refreshStats()]);
}

// ---- forms ----

$('key-form').addEventListener('submit', (submit) => {
  submit.preventDefault();
  useKey($('api-key').value);
  void connect();
  void refreshAll();
  refreshing ??= setInterval(refreshAll, REFRESH_MS);
});

$('register-form').addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const form = submit.currentTarget;
  try {
    const user = await api('POST', '/users', {
      name: form.elements.name.value,
      email: form.elements.email.value,
    });
    const eventId = registeredEvents.get(user.id);
    if (eventId === undefined) waitingForUser.add(user.id);
    else void selectEvent(eventId);
    say(
      'register-result',
      `Registered ${user.name} (${user.id}); watch its event below.`,
    );
    form.reset();
  } catch (error) {
    say('register-result', `Not registered: ${error.message}`, true);
  }
});

async function refreshAll() {
  await Promise.all([refreshStats(), refreshDeadLetters()]);
}

// Nothing is called before the visitor connects: with keys configured, every call needs one.
let refreshing;
