// Projection Hub operations dashboard: polls the hub's JSON API about once a second and renders it.
// Every piece of data goes into the page through textContent / attributes, never as markup.
'use strict';

(() => {
  const POLL_INTERVAL_MS = 1000;
  const REQUEST_TIMEOUT_MS = 4000;
  const KEY_STORAGE = 'projhub.apiKey';
  // Set once the key got 403 for the admin action log: not asked again on the next page load (each refusal is logged).
  const NOT_ADMIN_STORAGE = 'projhub.notAdmin';
  const HISTORY_SECONDS = 300;            // what the lag charts show at most
  const MIN_CHART_SECONDS = 60;           // a fresh page's charts widen from this to HISTORY_SECONDS
  const THROUGHPUT_WINDOW_SECONDS = 5;    // events/s is averaged over this much history
  const LAGGING_AFTER_SECONDS = 10;       // a LIVE lane this far behind the head is shown as lagging
  const HEARTBEAT_LATE_SECONDS = 10;
  const SHOW_PROGRESS_FROM_EVENTS = 100;  // below this a LIVE lane's lag is just the poll in flight
  const FAILING_STATES = ['RETRYING', 'STOPPED', 'UNREACHABLE'];

  /** A fixed-size history: the oldest sample falls out when a new one comes in. */
  class RingBuffer {
    constructor(capacity) {
      this.items = new Array(capacity);
      this.capacity = capacity;
      this.start = 0;
      this.size = 0;
    }

    push(item) {
      if (this.size < this.capacity) {
        this.items[(this.start + this.size) % this.capacity] = item;
        this.size++;
      } else {
        this.items[this.start] = item;
        this.start = (this.start + 1) % this.capacity;
      }
    }

    toArray() {
      const out = [];
      for (let i = 0; i < this.size; i++) {
        out.push(this.items[(this.start + i) % this.capacity]);
      }
      return out;
    }

    clear() {
      this.start = 0;
      this.size = 0;
    }
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail || ('HTTP ' + status));
      this.status = status;
    }
  }

  const dom = {
    main: document.querySelector('main'),
    hubStatus: document.getElementById('hub-status'),
    lastUpdate: document.getElementById('last-update'),
    message: document.getElementById('message'),
    signInForm: document.getElementById('sign-in-form'),
    apiKey: document.getElementById('api-key'),
    signInState: document.getElementById('sign-in-state'),
    signOut: document.getElementById('sign-out'),
    adminActionsPanel: document.getElementById('admin-actions-panel'),
    adminActions: document.getElementById('admin-actions'),
    headPosition: document.getElementById('head-position'),
    headRecorded: document.getElementById('head-recorded'),
    pollerHeartbeat: document.getElementById('poller-heartbeat'),
    frontier: document.getElementById('frontier'),
    frontierState: document.getElementById('frontier-state'),
    frontierHolder: document.getElementById('frontier-holder'),
    verifications: document.getElementById('verifications'),
    verificationsState: document.getElementById('verifications-state'),
    cards: document.getElementById('read-models'),
    cardTemplate: document.getElementById('card-template'),
    openAlerts: document.getElementById('open-alerts'),
    resolvedAlerts: document.getElementById('resolved-alerts'),
    resolvedSection: document.getElementById('resolved-section'),
    openAlertCount: document.getElementById('open-alert-count'),
    alertsStatus: document.getElementById('alerts-status'),
    deadLetters: document.getElementById('dead-letters'),
    deadLetterCount: document.getElementById('dead-letter-count'),
    deadLettersStatus: document.getElementById('dead-letters-status'),
  };

  const state = {
    // The API key (a reader's or an admin's), kept for this tab only: sessionStorage, never localStorage.
    apiKey: sessionStorage.getItem(KEY_STORAGE),
    pendingAction: null,    // an admin action waiting for an admin key
    notAdmin: sessionStorage.getItem(NOT_ADMIN_STORAGE) === 'true',  // see NOT_ADMIN_STORAGE
    cards: new Map(),       // read model name -> card
    messageTimer: null,
  };

  // ---------- small helpers ----------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function setText(node, text) {
    const value = text === undefined || text === null ? '–' : String(text);
    if (node.textContent !== value) {
      node.textContent = value;
    }
  }

  function field(root, name) {
    return root.querySelector('[data-field="' + name + '"]');
  }

  function tokenOf(position) {
    if (position === null || position === undefined) {
      return null;
    }
    if (typeof position === 'string') {
      return position;
    }
    return position.txId + '.' + position.position;
  }

  function formatCount(n) {
    return typeof n === 'number' && n >= 0 ? n.toLocaleString('en-US') : '–';
  }

  function formatDuration(seconds) {
    if (typeof seconds !== 'number' || !isFinite(seconds) || seconds < 0) {
      return '–';
    }
    if (seconds < 10) {
      return seconds.toFixed(1) + ' s';
    }
    if (seconds < 60) {
      return Math.round(seconds) + ' s';
    }
    const s = Math.round(seconds);
    if (s < 3600) {
      return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's';
    }
    if (s < 86400) {
      return Math.floor(s / 3600) + 'h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + 'm';
    }
    return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
  }

  function secondsSince(instant) {
    if (!instant) {
      return null;
    }
    const t = Date.parse(instant);
    return isNaN(t) ? null : Math.max(0, (Date.now() - t) / 1000);
  }

  function ago(instant) {
    const s = secondsSince(instant);
    return s === null ? 'never' : formatDuration(s) + ' ago';
  }

  function localTime(instant) {
    const t = Date.parse(instant);
    return isNaN(t) ? '' : new Date(t).toLocaleString();
  }

  function showMessage(text, kind) {
    dom.message.textContent = text;
    dom.message.className = 'message ' + (kind || '');
    dom.message.hidden = false;
    clearTimeout(state.messageTimer);
    state.messageTimer = setTimeout(() => { dom.message.hidden = true; }, 10000);
  }

  // ---------- HTTP ----------

  function authHeaders() {
    return state.apiKey ? {'X-API-Key': state.apiKey} : {};
  }

  async function request(method, path, jsonBody) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      const headers = {Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest'};
      if (jsonBody !== undefined) {
        headers['Content-Type'] = 'application/json';
      }
      const response = await fetch(path, {
        method,
        cache: 'no-store',
        signal: abort.signal,
        body: jsonBody === undefined ? undefined : JSON.stringify(jsonBody),
        // X-Requested-With keeps the browser from popping up a login dialog of its own on a 401.
        headers: Object.assign(headers, authHeaders()),
      });
      const body = await response.text();
      let json = null;
      if (body) {
        try {
          json = JSON.parse(body);
        } catch (e) {
          json = null;
        }
      }
      if (!response.ok) {
        const detail = json && (json.detail || json.title || json.message || json.error);
        throw new ApiError(response.status, detail);
      }
      return json;
    } catch (e) {
      if (e instanceof ApiError) {
        throw e;
      }
      throw new ApiError(0, 'hub unreachable');
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------- sign-in and admin actions ----------

  /** Only the key's id is ever shown (phk_<id>_<secret>). */
  function keyId(key) {
    const match = /^phk_([A-Za-z0-9]+)_/.exec(key || '');
    return match ? match[1] : 'key';
  }

  function renderLogin() {
    const signedIn = state.apiKey !== null;
    dom.signInState.dataset.signedIn = String(signedIn);
    dom.signInState.textContent = signedIn ? 'signed in with key ' + keyId(state.apiKey)
      : 'sign in with a reader or admin key';
    dom.signOut.hidden = !signedIn;
    dom.signInForm.classList.remove('wanted');
  }

  function signOut() {
    state.apiKey = null;
    state.notAdmin = false;
    sessionStorage.removeItem(KEY_STORAGE);
    sessionStorage.removeItem(NOT_ADMIN_STORAGE);
    dom.adminActionsPanel.hidden = true;
    renderLogin();
  }

  dom.signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = dom.apiKey.value.trim();
    if (!key) {
      showMessage('Enter an API key (deploy/run.sh prints one per role).', 'error');
      return;
    }
    state.apiKey = key;
    state.notAdmin = false;
    sessionStorage.setItem(KEY_STORAGE, key);
    sessionStorage.removeItem(NOT_ADMIN_STORAGE);
    dom.apiKey.value = '';
    renderLogin();
    const pending = state.pendingAction;
    state.pendingAction = null;
    if (pending) {
      pending();
    }
    poll.now();
  });

  dom.signOut.addEventListener('click', signOut);

  /** Runs an admin POST; without an admin key it asks for one first and runs the action after it. */
  function adminAction(description, path, button, jsonBody) {
    const run = async () => {
      button.disabled = true;
      try {
        await request('POST', path, jsonBody);
        showMessage(description + ': done.', 'ok');
        poll.now();
      } catch (e) {
        if (e.status === 401) {
          signOut();
          askForLogin(description + ': the key was not accepted; sign in again with an admin key.', run);
        } else if (e.status === 403) {
          askForLogin(description + ' needs an admin key: sign in with one at the top right.', run);
        } else {
          showMessage(description + ' failed: ' + e.message + (e.status ? ' (HTTP ' + e.status + ')' : ''), 'error');
        }
      } finally {
        button.disabled = false;
      }
    };
    if (!state.apiKey) {
      askForLogin(description + ' needs an admin key: sign in with one at the top right.', run);
      return;
    }
    run();
  }

  function askForLogin(text, then) {
    state.pendingAction = then;
    showMessage(text, 'error');
    dom.signInForm.classList.add('wanted');
    dom.apiKey.focus();
  }

  /** The last admin actions; the panel shows only to an admin key (a reader's gets 403 and the panel stays hidden). */
  function renderAdminActions(result) {
    if (result.status !== 'fulfilled' || !result.value) {
      if (result.reason && result.reason.status === 403) {
        state.notAdmin = true;
        sessionStorage.setItem(NOT_ADMIN_STORAGE, 'true');
      }
      dom.adminActionsPanel.hidden = true;
      return;
    }
    dom.adminActionsPanel.hidden = false;
    const rows = (result.value.actions || []).map((action) => {
      const tr = el('tr');
      tr.dataset.refused = String(action.outcome >= 400);
      tr.append(el('td', null, localTime(action.at)), el('td', null, action.principal + (action.via ? ' (' + action.via + ')' : '')),
        el('td', 'mono', action.action), el('td', 'mono', action.remoteAddress), el('td', null, action.outcome));
      return tr;
    });
    dom.adminActions.replaceChildren(...rows);
  }

  // ---------- read model cards ----------

  function createCard(name) {
    const node = dom.cardTemplate.content.firstElementChild.cloneNode(true);
    node.dataset.readModel = name;
    setText(field(node, 'name'), name);
    dom.cards.appendChild(node);
    const card = {
      name,
      node,
      history: new RingBuffer(HISTORY_SECONDS * 2),
      chart: null,
      episodeMaxLag: 0,
    };
    card.chart = createChart(node.querySelector('canvas'));
    const rebuild = node.querySelector('[data-action="rebuild"]');
    rebuild.hidden = name.includes('~'); // a build beside the live one: its read model's own card rebuilds
    rebuild.addEventListener('click', () => {
      if (window.confirm('Rebuild the ' + name + ' read model from the start of the log? The new build fills beside '
          + 'the live one (lane ' + name + '~v…r…), which keeps answering until the new build has caught up.')) {
        adminAction('Rebuild ' + name, '/api/admin/read-models/' + encodeURIComponent(name) + '/rebuild', rebuild);
      }
    });
    const audit = node.querySelector('[data-action="audit"]');
    audit.hidden = name.includes('~');
    audit.addEventListener('click', () => {
      adminAction('Audit ' + name, '/api/admin/read-models/' + encodeURIComponent(name) + '/audit', audit);
    });
    return card;
  }

  /** The card's last drift audit: when, clean or what it found and repaired, with a link to its differences. */
  function renderAudit(node, audit) {
    const cell = field(node, 'audit');
    cell.replaceChildren();
    cell.classList.remove('nonzero');
    if (!audit) {
      cell.textContent = 'none yet';
      return;
    }
    const link = el('a', null, '');
    link.href = '/api/audits/' + encodeURIComponent(audit.id);
    if (audit.state === 'RUNNING') {
      link.textContent = 'running · ' + formatCount(audit.streamsChecked) + ' streams';
    } else if (audit.state === 'FAILED') {
      link.textContent = 'failed';
      link.title = audit.error || '';
      cell.classList.add('nonzero');
    } else if (audit.clean) {
      link.textContent = 'clean · ' + formatCount(audit.streamsChecked) + ' streams';
    } else {
      const found = Object.entries(audit.counts || {}).filter(([, n]) => n > 0)
        .map(([kind, n]) => formatCount(n) + ' ' + kind).join(', ');
      link.textContent = found + ' · ' + formatCount(audit.repaired) + ' repaired'
        + (audit.unrepaired > 0 ? ', ' + formatCount(audit.unrepaired) + ' not' : '');
      cell.classList.add('nonzero');
    }
    link.title = (link.title ? link.title + ' · ' : '') + 'audit ' + audit.id + ', '
      + ago(audit.endedAt || audit.startedAt) + ' (' + audit.trigger + ')';
    cell.append(link);
  }

  function createChart(canvas) {
    if (typeof window.Chart === 'undefined') {
      canvas.replaceWith(el('p', 'muted', 'charts unavailable (Chart.js not loaded)'));
      return null;
    }
    return new window.Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          {label: 'lag events', data: [], borderColor: '#0969da', backgroundColor: 'rgba(9,105,218,.12)',
            fill: true, yAxisID: 'events', pointRadius: 0, borderWidth: 1.5, tension: 0.2},
          {label: 'lag seconds', data: [], borderColor: '#8250df', yAxisID: 'seconds', pointRadius: 0,
            borderWidth: 1.5, tension: 0.2},
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: {mode: 'nearest', axis: 'x', intersect: false},
        plugins: {
          legend: {labels: {boxWidth: 8, boxHeight: 8, font: {size: 10}}},
          tooltip: {callbacks: {title: (items) => items.length ? formatDuration(-items[0].parsed.x) + ' ago' : ''}},
        },
        scales: {
          x: {type: 'linear', min: -MIN_CHART_SECONDS, max: 0,
            ticks: {font: {size: 9}, maxTicksLimit: 7, callback: axisLabel}},
          events: {type: 'linear', position: 'left', beginAtZero: true, ticks: {font: {size: 9}, precision: 0}},
          seconds: {type: 'linear', position: 'right', beginAtZero: true, grid: {drawOnChartArea: false},
            ticks: {font: {size: 9}}},
        },
      },
    });
  }

  function axisLabel(value) {
    if (value === 0) {
      return 'now';
    }
    return value % 60 === 0 ? (value / 60) + 'm' : value + 's';
  }

  function cardHealth(laneState, probeState, lagSeconds, stalledBy) {
    if (FAILING_STATES.includes(laneState) || probeState === 'UNREACHABLE') {
      return 'failing';
    }
    if (laneState === 'CATCHING_UP') {
      return 'lagging';
    }
    if (laneState === 'LIVE') {
      return lagSeconds > LAGGING_AFTER_SECONDS || stalledBy ? 'lagging' : 'healthy';
    }
    return 'unknown';
  }

  /** events/s over the last few seconds of history (0 when nothing moved, null before there is history). */
  function throughput(samples) {
    if (samples.length < 2) {
      return null;
    }
    const last = samples[samples.length - 1];
    let first = samples[0];
    for (let i = samples.length - 2; i >= 0; i--) {
      first = samples[i];
      if (last.t - first.t >= THROUGHPUT_WINDOW_SECONDS * 1000) {
        break;
      }
    }
    const seconds = (last.t - first.t) / 1000;
    if (seconds <= 0 || last.applied === null || first.applied === null || last.applied < first.applied) {
      return null;
    }
    return (last.applied - first.applied) / seconds;
  }

  function updateCard(card, lane, probe, now) {
    const node = card.node;
    const laneState = lane ? lane.state : (probe ? probe.state : null);
    const lagEvents = lane ? lane.lagEvents : (probe ? probe.lagEvents : -1);
    const lagSeconds = lane ? lane.lagSeconds : (probe ? probe.lagSeconds : -1);
    const stalledBy = lane ? lane.stalledBy : null;
    const health = cardHealth(laneState, probe ? probe.state : null, lagSeconds, stalledBy);

    node.dataset.health = health;
    node.dataset.state = laneState || 'UNKNOWN';
    setText(field(node, 'state'), laneState || 'UNKNOWN');
    const stateField = field(node, 'state');
    stateField.title = probe && probe.state === 'UNREACHABLE' ? 'the store did not answer the probe' : '';

    setText(field(node, 'checkpoint'), tokenOf(lane ? lane.checkpoint : (probe ? probe.position : null)) || 'start');
    setText(field(node, 'lag-events'), formatCount(lagEvents));
    setText(field(node, 'lag-seconds'), lagSeconds >= 0 ? formatDuration(lagSeconds) : '–');
    setText(field(node, 'applied-events'), lane ? formatCount(lane.appliedEvents) : '–');
    setText(field(node, 'last-applied'), ago(lane ? lane.lastAppliedAt : (probe ? probe.lastAppliedAt : null)));
    setText(field(node, 'retries'), formatCount(lane ? lane.retries : (probe ? probe.retries : -1)));
    setText(field(node, 'dead-letters'), lane ? formatCount(lane.deadLetters) : '–');
    setText(field(node, 'stream-gaps'), lane ? formatCount(lane.streamGaps) : '–');
    setText(field(node, 'pending-verifications'), probe ? formatCount(probe.pendingVerifications) + ' pending' : '–');
    field(node, 'dead-letters').classList.toggle('nonzero', Boolean(lane && lane.deadLetters > 0));

    card.history.push({t: now, lagEvents, lagSeconds, applied: lane ? lane.appliedEvents : null});
    const samples = card.history.toArray();
    const rate = throughput(samples);
    setText(field(node, 'throughput'), rate === null ? '–' : rate.toFixed(rate < 10 ? 1 : 0) + ' events/s');

    renderProgress(card, laneState, lagEvents, rate);

    const stalled = field(node, 'stalled-by');
    stalled.hidden = !stalledBy;
    setText(stalled, stalledBy ? 'held back: ' + stalledBy : '');

    const error = field(node, 'last-error');
    // The lane's own error says why it retries; the monitor's probe error covers a store the lane has not hit yet.
    const errorText = (lane && lane.lastError && health !== 'healthy') ? lane.lastError
        : (probe && probe.state === 'UNREACHABLE' && probe.lastError ? 'probe: ' + probe.lastError : null);
    error.hidden = !errorText;
    setText(error, errorText || '');
    error.title = errorText || '';

    if (card.chart) {
      const span = Math.min(HISTORY_SECONDS, Math.max(MIN_CHART_SECONDS, (now - samples[0].t) / 1000));
      const step = span <= MIN_CHART_SECONDS ? 10 : 60;
      card.chart.options.scales.x.min = -Math.ceil(span / step) * step;
      card.chart.options.scales.x.ticks.stepSize = step;
      const lagPoints = [];
      const secondPoints = [];
      for (const s of samples) {
        const x = (s.t - now) / 1000;
        if (x < -HISTORY_SECONDS) {
          continue;
        }
        lagPoints.push({x, y: s.lagEvents >= 0 ? s.lagEvents : null});
        secondPoints.push({x, y: s.lagSeconds >= 0 ? s.lagSeconds : null});
      }
      card.chart.data.datasets[0].data = lagPoints;
      card.chart.data.datasets[1].data = secondPoints;
      card.chart.update('none');
    }
  }

  /** While a lane works through a backlog (catch-up, rebuild): how far it got and when it should be done. */
  function renderProgress(card, laneState, lagEvents, rate) {
    const box = field(card.node, 'progress');
    const behind = lagEvents > 0 && (laneState !== 'LIVE' || lagEvents >= SHOW_PROGRESS_FROM_EVENTS);
    if (!behind) {
      card.episodeMaxLag = 0;
      box.hidden = true;
      return;
    }
    card.episodeMaxLag = Math.max(card.episodeMaxLag, lagEvents);
    const done = card.episodeMaxLag > 0 ? 1 - lagEvents / card.episodeMaxLag : 0;
    box.hidden = false;
    box.querySelector('.fill').style.width = Math.round(done * 100) + '%';
    let text = formatCount(lagEvents) + ' behind';
    if (done > 0) {
      text += ' · ' + Math.floor(done * 100) + '% of the backlog done';
    }
    if (laneState === 'RETRYING' || laneState === 'STOPPED') {
      text += ' · waiting for the store';
    } else if (rate && rate > 0) {
      text += ' · ETA ' + formatDuration(lagEvents / rate);
    } else {
      text += ' · not moving';
    }
    setText(field(card.node, 'eta'), text);
  }

  function renderReadModels(lanesStatus, consistency, audits) {
    const lastAudit = new Map((audits || []).map((a) => [a.readModel, a]));
    const now = Date.now();
    const lanes = (lanesStatus && lanesStatus.lanes) || [];
    const probes = new Map(((consistency && consistency.readModels) || []).map((rm) => [rm.name, rm]));
    const names = lanes.map((l) => l.name);
    probes.forEach((_, name) => { if (!names.includes(name)) { names.push(name); } });
    for (const name of names) {
      let card = state.cards.get(name);
      if (!card) {
        card = createCard(name);
        state.cards.set(name, card);
      }
      updateCard(card, lanes.find((l) => l.name === name), probes.get(name), now);
      if (audits) {
        renderAudit(card.node, lastAudit.get(name));
      }
    }
  }

  // ---------- log head and frontier ----------

  function renderLog(status, consistency) {
    setText(dom.headPosition, tokenOf(status.head) || 'empty log');
    setText(dom.headRecorded, status.headRecordedAt ? ago(status.headRecordedAt) : '–');
    const heartbeatAge = secondsSince(status.pollerHeartbeat);
    setText(dom.pollerHeartbeat, heartbeatAge === null ? 'none yet' : formatDuration(heartbeatAge) + ' ago');
    dom.pollerHeartbeat.classList.toggle('late', heartbeatAge !== null && heartbeatAge > HEARTBEAT_LATE_SECONDS);

    const frontier = status.frontier || {};
    dom.frontier.dataset.pinned = String(Boolean(frontier.pinned));
    if (frontier.pinned) {
      setText(dom.frontierState, 'pinned ' + formatDuration(frontier.pinnedSeconds));
    } else {
      setText(dom.frontierState, 'free');
    }
    if (frontier.holderPreparedGid) {
      const parts = ['held by prepared transaction \'' + frontier.holderPreparedGid + '\''];
      if (frontier.holderDatabase) {
        parts.push('database ' + frontier.holderDatabase);
      }
      if (frontier.holderTransactionStart) {
        parts.push('prepared ' + ago(frontier.holderTransactionStart));
      }
      parts.push('end it with COMMIT PREPARED or ROLLBACK PREPARED');
      setText(dom.frontierHolder, parts.join(' · '));
    } else if (frontier.holderPid !== null && frontier.holderPid !== undefined) {
      const parts = ['held by backend pid ' + frontier.holderPid];
      if (frontier.holderState) {
        parts.push(frontier.holderState);
      }
      if (frontier.holderDatabase) {
        parts.push('database ' + frontier.holderDatabase);
      }
      if (frontier.holderTransactionStart) {
        parts.push('transaction open ' + ago(frontier.holderTransactionStart));
      }
      if (frontier.holderQueryStart) {
        parts.push('last query ' + ago(frontier.holderQueryStart));
      }
      setText(dom.frontierHolder, parts.join(' · '));
    } else {
      setText(dom.frontierHolder, '');
    }

    if (consistency && typeof consistency.pendingVerifications === 'number') {
      dom.verifications.hidden = false;
      let text = formatCount(consistency.pendingVerifications) + ' pending';
      if (consistency.droppedVerifications > 0) {
        text += ' · ' + formatCount(consistency.droppedVerifications) + ' dropped';
      }
      setText(dom.verificationsState, text);
    } else {
      dom.verifications.hidden = true;
    }
  }

  // ---------- alerts ----------

  function alertFiredAt(alert) {
    return alert.firedAt || alert.firstRaisedAt || alert.raisedAt || alert.createdAt || null;
  }

  const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'];

  function severityRank(alert) {
    const rank = SEVERITY_ORDER.indexOf(String(alert.severity || '').toLowerCase());
    return rank < 0 ? SEVERITY_ORDER.length : rank;
  }

  function alertAckedAt(alert) {
    return alert.ackedAt || alert.acknowledgedAt || null;
  }

  function renderAlertList(list, alerts, open) {
    const keep = new Map();
    for (const li of list.querySelectorAll('li[data-alert-id]')) {
      keep.set(li.dataset.alertId, li);
    }
    const seen = new Set();
    for (const alert of alerts) {
      const id = String(alert.id);
      seen.add(id);
      let li = keep.get(id);
      if (!li) {
        li = el('li');
        li.dataset.alertId = id;
        li.append(el('span', 'severity'), el('span', 'summary'), el('span', 'action-cell'), el('span', 'meta'));
      }
      li.dataset.alertKey = alert.key || '';
      li.dataset.alertStatus = alert.status || '';
      li.dataset.readModel = alert.readModel || '';
      const severity = String(alert.severity || 'info').toLowerCase();
      const badge = li.querySelector('.severity');
      badge.className = 'severity severity-' + severity;
      setText(badge, severity);
      setText(li.querySelector('.summary'), alert.summary || alert.key);
      li.querySelector('.summary').title = alert.key || '';

      const firedAt = alertFiredAt(alert);
      const ackedAt = alertAckedAt(alert);
      const meta = [alert.key];
      if (open) {
        meta.push('open for ' + (firedAt ? formatDuration(secondsSince(firedAt)) : '?'));
        if (ackedAt) {
          meta.push('acknowledged' + (alert.ackedBy ? ' by ' + alert.ackedBy : '') + ' ' + ago(ackedAt));
        }
      } else {
        meta.push('resolved ' + ago(alert.resolvedAt));
        if (firedAt && alert.resolvedAt) {
          meta.push('lasted ' + formatDuration((Date.parse(alert.resolvedAt) - Date.parse(firedAt)) / 1000));
        }
        if (alert.resolution) {
          meta.push(alert.resolution);
        }
      }
      setText(li.querySelector('.meta'), meta.join(' · '));
      li.querySelector('.meta').title = firedAt ? 'raised ' + localTime(firedAt) : '';

      const actionCell = li.querySelector('.action-cell');
      const wantsButton = open && !ackedAt;
      let button = actionCell.querySelector('button');
      if (wantsButton && !button) {
        button = el('button', 'action', 'Ack');
        button.type = 'button';
        button.dataset.action = 'ack';
        button.addEventListener('click', () =>
            adminAction('Acknowledge alert ' + li.dataset.alertKey,
                '/api/admin/alerts/' + encodeURIComponent(li.dataset.alertId) + '/ack', button));
        actionCell.appendChild(button);
      } else if (!wantsButton && button) {
        button.remove();
      }
      list.appendChild(li); // keeps the API's order; an existing item just moves
    }
    for (const [id, li] of keep) {
      if (!seen.has(id)) {
        li.remove();
      }
    }
    let empty = list.querySelector('li.empty');
    if (alerts.length === 0 && !empty) {
      empty = el('li', 'empty', open ? 'no open alerts' : 'none');
      list.appendChild(empty);
    } else if (alerts.length > 0 && empty) {
      empty.remove();
    }
  }

  function renderAlerts(firing, resolved) {
    if (firing.status === 'rejected') {
      const e = firing.reason;
      dom.alertsStatus.hidden = false;
      dom.alertsStatus.dataset.available = 'false';
      setText(dom.alertsStatus, e.status === 404 ? 'alerts API not available'
          : 'alerts could not be loaded: ' + e.message + (e.status ? ' (HTTP ' + e.status + ')' : ''));
      setText(dom.openAlertCount, '?');
      dom.openAlertCount.classList.remove('nonzero');
      dom.openAlerts.replaceChildren();
      dom.resolvedSection.hidden = true;
      return;
    }
    dom.alertsStatus.hidden = true;
    dom.alertsStatus.dataset.available = 'true';
    dom.resolvedSection.hidden = false;
    const open = Array.isArray(firing.value) ? firing.value : [];
    // Most severe first, then the newest: what on-call should look at is at the top.
    open.sort((a, b) => severityRank(a) - severityRank(b)
        || (Date.parse(alertFiredAt(b)) || 0) - (Date.parse(alertFiredAt(a)) || 0));
    setText(dom.openAlertCount, open.length);
    dom.openAlertCount.classList.toggle('nonzero', open.length > 0);
    renderAlertList(dom.openAlerts, open, true);
    if (resolved.status === 'fulfilled' && Array.isArray(resolved.value)) {
      const recent = resolved.value.slice();
      recent.sort((a, b) => (Date.parse(b.resolvedAt) || 0) - (Date.parse(a.resolvedAt) || 0));
      renderAlertList(dom.resolvedAlerts, recent.slice(0, 10), false);
    }
  }

  // ---------- dead letters ----------

  function renderDeadLetters(result) {
    if (result.status === 'rejected') {
      dom.deadLettersStatus.hidden = false;
      setText(dom.deadLettersStatus, result.reason.status === 404 ? 'dead-letter API not available'
          : 'dead letters could not be loaded: ' + result.reason.message);
      return;
    }
    dom.deadLettersStatus.hidden = true;
    // A chain: the head (PENDING, the event that failed) and the events of its stream parked behind it, in order.
    // Grouped by lane and stream, in version order: the first open dead letter heads the chain (usually the PENDING
    // one; a PARKED one when a resolution stopped half-way), the others wait behind it.
    const all = Array.isArray(result.value) ? result.value : [];
    const chains = new Map();
    for (const l of all) {
      const key = l.lane + '\u0000' + l.streamId;
      const chain = chains.get(key) || [];
      chain.push(l);
      chains.set(key, chain);
    }
    const heads = [];
    const parkedBehind = new Map();
    const letters = [];
    for (const chain of chains.values()) {
      chain.sort((a, b) => a.version - b.version);
      heads.push(chain[0]);
      parkedBehind.set(chain[0].id, chain.slice(1));
      letters.push(...chain);
    }
    setText(dom.deadLetterCount, heads.length);
    dom.deadLetterCount.classList.toggle('nonzero', heads.length > 0);

    const keep = new Map();
    for (const tr of dom.deadLetters.querySelectorAll('tr[data-dead-letter-id]')) {
      keep.set(tr.dataset.deadLetterId, tr);
    }
    const seen = new Set();
    for (const letter of letters) {
      const id = String(letter.id);
      seen.add(id);
      let tr = keep.get(id);
      if (!tr) {
        tr = createDeadLetterRow(letter, parkedBehind.has(letter.id));
      }
      setText(tr.querySelector('.age'), formatDuration(secondsSince(letter.createdAt)));
      setText(tr.querySelector('.attempts'), letter.status === 'PARKED' ? '–' : letter.attempts);
      const behind = (parkedBehind.get(letter.id) || []).length;
      const isHead = parkedBehind.has(letter.id);
      setText(tr.querySelector('.status'), !isHead ? 'parked behind ' + letter.parkedBehind
          : behind > 0 ? (letter.status === 'PARKED' ? 'heads ' : 'failed; ') + behind + ' parked behind it'
          : letter.status === 'PARKED' ? 'heads its chain' : 'failed');
      dom.deadLetters.appendChild(tr);
    }
    for (const [id, tr] of keep) {
      if (!seen.has(id)) {
        tr.remove();
      }
    }
    let empty = dom.deadLetters.querySelector('tr.empty');
    if (letters.length === 0 && !empty) {
      empty = el('tr', 'empty');
      const td = el('td', null, 'no dead letters waiting');
      td.colSpan = 9;
      empty.appendChild(td);
      dom.deadLetters.appendChild(empty);
    } else if (letters.length > 0 && empty) {
      empty.remove();
    }
  }

  function createDeadLetterRow(letter, isHead) {
    const tr = el('tr');
    tr.dataset.deadLetterId = String(letter.id);
    tr.dataset.lane = letter.lane || '';
    tr.dataset.status = letter.status || '';
    if (!isHead) {
      tr.className = 'parked';
    }
    tr.append(
        el('td', 'mono', letter.id),
        el('td', null, letter.lane),
        el('td', null, letter.eventType),
        el('td', 'mono', (letter.streamId || '') + ' v' + letter.version),
        el('td', 'status'));
    const errorCell = el('td', 'error-cell');
    const details = el('details');
    details.appendChild(el('summary', null, letter.error || 'error'));
    details.appendChild(el('pre', null, letter.stackTrace || 'no stack trace'));
    errorCell.appendChild(details);
    tr.appendChild(errorCell);
    tr.append(el('td', 'attempts'), el('td', 'age'));
    const actionCell = el('td');
    if (isHead) {
      const button = el('button', 'action', 'Replay');
      button.type = 'button';
      button.dataset.action = 'replay';
      button.title = 'Apply it again, then the events parked behind it, in order';
      button.addEventListener('click', () =>
          adminAction('Replay dead letter ' + letter.id,
              '/api/admin/dead-letters/' + encodeURIComponent(letter.id) + '/replay', button));
      const skip = el('button', 'action', 'Skip…');
      skip.type = 'button';
      skip.dataset.action = 'skip';
      skip.title = 'Record it as applied without its effects, then apply the events parked behind it';
      skip.addEventListener('click', () => {
        const reason = window.prompt('Why is dead letter ' + letter.id + ' (' + letter.streamId + ' v'
            + letter.version + ') skipped? The reason is kept with it.');
        if (reason && reason.trim()) {
          adminAction('Skip dead letter ' + letter.id,
              '/api/admin/dead-letters/' + encodeURIComponent(letter.id) + '/skip', skip, {reason: reason.trim()});
        }
      });
      actionCell.append(button, skip);
    }
    tr.appendChild(actionCell);
    return tr;
  }

  // ---------- the poll loop ----------

  function renderHub(reachable, error) {
    dom.hubStatus.dataset.status = reachable ? 'ok' : 'unreachable';
    dom.hubStatus.className = 'pill ' + (reachable ? 'pill-ok' : 'pill-down');
    if (reachable) {
      setText(dom.hubStatus, 'live');
    } else if (error && (error.status === 401 || error.status === 403)) {
      setText(dom.hubStatus, 'sign in to read');
      if (error.status === 401 && state.apiKey) {
        signOut();
      }
      dom.signInForm.classList.add('wanted');
    } else {
      setText(dom.hubStatus, 'hub unreachable');
    }
    dom.main.classList.toggle('stale', !reachable);
  }

  let timer = null;
  let running = false;

  async function poll() {
    if (running) {
      return;
    }
    running = true;
    clearTimeout(timer);
    const started = Date.now();
    try {
      const [lanes, consistency, firing, resolved, deadLetters, audits, adminActions] = await Promise.allSettled([
        request('GET', '/api/lanes'),
        request('GET', '/api/consistency'),
        request('GET', '/api/alerts?status=FIRING&limit=100'),
        request('GET', '/api/alerts?status=RESOLVED&limit=10'),
        Promise.all([request('GET', '/api/dead-letters?status=PENDING&limit=100'),
          request('GET', '/api/dead-letters?status=PARKED&limit=500')]).then(([heads, parked]) =>
            (heads || []).concat(parked || [])),
        request('GET', '/api/audits/latest'),
        state.apiKey && !state.notAdmin ? request('GET', '/api/admin/actions?limit=10')
          : Promise.reject(new ApiError(0, 'no admin key')),
      ]);
      if (lanes.status === 'fulfilled') {
        const probe = consistency.status === 'fulfilled' ? consistency.value : null;
        renderHub(true);
        renderLog(lanes.value, probe);
        renderReadModels(lanes.value, probe, audits.status === 'fulfilled' ? audits.value : null);
        renderAlerts(firing, resolved);
        renderDeadLetters(deadLetters);
        renderAdminActions(adminActions);
        setText(dom.lastUpdate, new Date().toLocaleTimeString());
        dom.lastUpdate.dateTime = new Date().toISOString();
      } else {
        renderHub(false, lanes.reason);
      }
    } catch (e) {
      // A rendering bug must not stop the loop: say so and keep polling.
      console.error(e);
      showMessage('dashboard error: ' + e.message, 'error');
    } finally {
      running = false;
      timer = setTimeout(poll, Math.max(100, POLL_INTERVAL_MS - (Date.now() - started)));
    }
  }

  /** Polls at once (after an admin action), unless a poll is already running. */
  poll.now = () => {
    if (!running) {
      poll();
    }
  };

  renderLogin();
  poll();
})();
