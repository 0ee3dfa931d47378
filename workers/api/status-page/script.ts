// The status page's only script, served as /status.js (the CSP allows no inline script). Plain
// browser JavaScript: it reads the API with the session's token and renders with textContent only,
// so nothing from the API is ever parsed as HTML. Events arrive over the API's SSE stream, read
// with fetch (EventSource cannot send an Authorization header); each one refreshes the status.
export const STATUS_SCRIPT = String.raw`'use strict';
(function () {
  var READ_KEY = 'edge-sentinel.read-token';
  var ADMIN_KEY = 'edge-sentinel.admin-token';
  var MAX_EVENTS = 50;
  var $ = function (id) { return document.getElementById(id); };
  var app = $('app');
  var group = app.dataset.group || null;
  var refreshTimer = null;

  function token() { return sessionStorage.getItem(READ_KEY) || sessionStorage.getItem(ADMIN_KEY) || ''; }
  function authHeaders(extra) {
    var h = extra || {};
    var t = token();
    if (t) h.Authorization = 'Bearer ' + t;
    return h;
  }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function showError(text) { var e = $('error'); e.textContent = text || ''; e.hidden = !text; }
  function setLive(text, ok) { var l = $('live'); l.textContent = text; l.className = ok ? 'live ok' : 'live'; }
  function askToken() { $('auth').hidden = false; }

  async function api(path, init) {
    var res = await fetch(path, Object.assign({}, init || {}, { headers: authHeaders((init && init.headers) || {}) }));
    if (res.status === 401 || res.status === 403) { askToken(); throw new Error('a read token is needed'); }
    if (!res.ok) {
      var body = await res.json().catch(function () { return null; });
      throw new Error((body && body.error && body.error.message) || ('HTTP ' + res.status));
    }
    return res.json();
  }

  function cell(value, cls) {
    var td = document.createElement('td');
    if (value instanceof Node) td.append(value); else td.textContent = value === null || value === undefined ? '' : String(value);
    if (cls) td.className = cls;
    return td;
  }
  function row(values) { var tr = document.createElement('tr'); values.forEach(function (v) { tr.append(v instanceof Node && v.tagName === 'TD' ? v : cell(v)); }); return tr; }
  function fill(id, rows) { $(id).replaceChildren.apply($(id), rows); }
  function addr(m) { return m ? m.host + ':' + m.port : null; }

  async function refreshList() {
    var page = await api('/v1/groups?limit=100');
    fill('groups', page.groups.map(function (g) {
      var a = document.createElement('a');
      a.href = '/groups/' + encodeURIComponent(g.group);
      a.textContent = g.group;
      return row([cell(a), addr(g.master) || ('no majority: ' + (g.error || '')), g.master ? g.master.epoch : '', g.voters, g.quorum]);
    }));
  }

  async function refreshGroup() {
    var s = await api('/v1/groups/' + encodeURIComponent(group));
    var master = addr(s.master);
    $('master').textContent = master || 'unknown (no majority of voters answered)';
    $('master').dataset.master = master || '';
    $('summary').textContent = 'epoch ' + s.epoch + ' · failover ' + s.failover.state + (s.paused ? ' · PAUSED' : '') +
      ' · voters answering ' + s.answered.length + '/' + s.settings.voters + ' · quorum ' + s.settings.quorum +
      ' · down-after ' + s.settings.downAfterMs + ' ms · fencing ' + (s.settings.fencing ? 'on' : 'off');
    // The nodes: the master (its own agent's view) and every replica the voters report.
    var own = {};
    s.agents.forEach(function (a) { a.views.forEach(function (v) { if (a.localNodes.indexOf(v.node) >= 0) own[v.node] = v; }); });
    var reports = {};
    s.replicas.forEach(function (r) { reports[r.node] = r; });
    var nodes = [];
    [master].concat(Object.keys(reports), Object.keys(own)).forEach(function (n) { if (n && nodes.indexOf(n) < 0) nodes.push(n); });
    var masterOffset = own[master] ? own[master].offsetBytes : 0;
    fill('nodes', nodes.map(function (n) {
      var r = reports[n] || null;
      var v = own[n] || null;
      var isMaster = n === master;
      var downBy = r ? r.sdownBy : s.agents.filter(function (a) { return a.views.some(function (x) { return x.node === n && x.sdown; }); }).map(function (a) { return a.agentId; });
      var offset = r ? r.offsetBytes : (v ? v.offsetBytes : null);
      var tr = row([n, isMaster ? 'master (committed)' : (r ? r.role : (v ? v.role : 'unknown')),
        downBy.length ? 'down for ' + downBy.join(', ') : 'up',
        isMaster ? '' : ((r ? r.linkUp : v && v.linkUp) ? 'up' : 'down'), offset,
        isMaster || offset === null ? '' : Math.max(0, masterOffset - offset),
        r ? r.priority : (v ? v.priority : ''), v === null ? '?' : (v.fenced ? 'yes' : 'no')]);
      tr.dataset.node = n;
      if (isMaster) tr.className = 'master';
      return tr;
    }));
    fill('agents', s.agents.map(function (a) {
      var down = a.views.filter(function (v) { return v.sdown; }).map(function (v) { return v.node; });
      return row([a.agentId, a.localNodes.join(', '), a.connectedTo.length + '/' + s.settings.voters, a.highestEpoch, down.join(', ') || 'none']);
    }));
    fill('voters', s.voters.map(function (v) {
      return row([v.index, v.answered ? 'yes' : ('no: ' + (v.error || '')), v.role || '', v.committed ? v.committed.epoch + ' ' + v.committed.master : '',
        v.published ? v.published.epoch + ' ' + v.published.master : '']);
    }));
    return s;
  }

  function refresh() {
    var run = group === null ? refreshList() : refreshGroup();
    return run.then(function (s) { showError(''); return s; }, function (e) { showError(String(e.message || e)); return null; });
  }
  function refreshSoon() {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; refresh(); }, 150);
  }

  function addEvent(ev) {
    var li = document.createElement('li');
    li.textContent = ev.at + '  ' + ev.name + '  ' + ev.payload + '  (epoch ' + ev.epoch + ') ' + ev.reason;
    var list = $('events');
    list.prepend(li);
    while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
  }

  function parseFrame(frame) {
    var data = null;
    frame.split('\n').forEach(function (line) { if (line.indexOf('data:') === 0) data = (data || '') + line.slice(5).trim(); });
    if (data === null) return null;
    try { return JSON.parse(data); } catch (e) { return null; }
  }

  /** The voter's event stream, resumed by id after a dropped connection. */
  async function follow(voter, after) {
    var last = after;
    for (;;) {
      try {
        var url = '/v1/groups/' + encodeURIComponent(group) + '/events?voter=' + voter + '&after=' + last;
        var res = await fetch(url, { headers: authHeaders({ Accept: 'text/event-stream' }) });
        if (res.status === 401 || res.status === 403) { askToken(); setLive('needs a token', false); await sleep(2000); continue; }
        if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
        setLive('live', true);
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        for (;;) {
          var chunk = await reader.read();
          if (chunk.done) break;
          buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, '\n');
          var end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            var ev = parseFrame(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (ev && typeof ev.id === 'number') { last = ev.id; addEvent(ev); refreshSoon(); }
          }
        }
      } catch (e) {
        setLive('reconnecting…', false);
      }
      await sleep(1000);
    }
  }

  function admin(kind) {
    var target = $('admin-target').value.trim();
    if (!confirm(kind + (target ? ' to ' + target : '') + ' of ' + group + '?')) return;
    var body = target ? { target: target } : {};
    fetch('/v1/groups/' + encodeURIComponent(group) + '/' + kind, {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + sessionStorage.getItem(ADMIN_KEY), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (res) { return res.json().then(function (j) { return [res.status, j]; }); })
      .then(function (r) { $('admin-result').textContent = r[0] + ' ' + JSON.stringify(r[1]); refreshSoon(); },
        function (e) { $('admin-result').textContent = String(e); });
  }

  $('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem(READ_KEY, $('token-input').value);
    $('token-input').value = '';
    $('auth').hidden = true;
    refresh();
  });

  async function start() {
    if (group === null) {
      setLive('every 5 s', true);
      refresh();
      setInterval(refresh, 5000);
      return;
    }
    var adminToken = $('admin-token');
    adminToken.value = '';
    var sync = function () {
      if (adminToken.value) sessionStorage.setItem(ADMIN_KEY, adminToken.value);
      var has = !!sessionStorage.getItem(ADMIN_KEY);
      $('failover').disabled = !has;
      $('switchover').disabled = !has;
    };
    adminToken.addEventListener('input', sync);
    sync();
    $('failover').addEventListener('click', function () { admin('failover'); });
    $('switchover').addEventListener('click', function () { admin('switchover'); });
    setInterval(refresh, 5000);
    var s = await refresh();
    while (s === null) { await sleep(1000); s = await refresh(); }
    var voter = s.answered.length ? s.answered[0] : 0;
    var lastId = 0;
    s.voters.forEach(function (v) { if (v.index === voter && v.lastEventId !== null) lastId = v.lastEventId; });
    follow(voter, Math.max(0, lastId - 20));
  }
  start();
})();
`;
