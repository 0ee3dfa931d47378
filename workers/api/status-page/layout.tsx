// The status page's HTML shell, rendered with hono's JSX: no data in it, so no token is needed to
// serve it; the page script fills it from the API with the session's read token.
import type { Child } from 'hono/jsx';

export interface ShellProps {
  readonly title: string;
  /** The group of a group page; absent on the group list. */
  readonly group?: string;
  readonly children?: Child;
}

export function Shell({ title, group, children }: ShellProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <link rel="stylesheet" href="/status.css" />
        <script src="/status.js" defer />
      </head>
      <body>
        <header>
          <a href="/">edge-sentinel</a>
          {group === undefined ? null : <span> / {group}</span>}
          <span id="live" class="live">
            connecting…
          </span>
        </header>
        <section id="auth" hidden>
          <form id="token-form">
            <label for="token-input">This coordinator needs a read token</label>
            <input id="token-input" type="password" autocomplete="off" required />
            <button type="submit">Use for this session</button>
          </form>
        </section>
        <p id="error" class="error" hidden />
        <main id="app" data-group={group ?? ''}>
          {children}
        </main>
      </body>
    </html>
  );
}

/** `/`: every group with its master. */
export function GroupListPage() {
  return (
    <Shell title="edge-sentinel: groups">
      <h1>Groups</h1>
      <table>
        <thead>
          <tr>
            <th>group</th>
            <th>master</th>
            <th>epoch</th>
            <th>voters</th>
            <th>quorum</th>
          </tr>
        </thead>
        <tbody id="groups" />
      </table>
    </Shell>
  );
}

/** `/groups/:group`: master, nodes, agents, voters and the last events, kept live. */
export function GroupPage({ group }: { readonly group: string }) {
  return (
    <Shell title={`edge-sentinel: ${group}`} group={group}>
      <h1>
        master <span id="master">…</span>
      </h1>
      <p id="summary" />
      <h2>Nodes</h2>
      <table>
        <thead>
          <tr>
            <th>node</th>
            <th>role</th>
            <th>down for</th>
            <th>link</th>
            <th>offset</th>
            <th>lag</th>
            <th>priority</th>
            <th>fenced</th>
          </tr>
        </thead>
        <tbody id="nodes" />
      </table>
      <h2>Agents</h2>
      <table>
        <thead>
          <tr>
            <th>agent</th>
            <th>local nodes</th>
            <th>voters linked</th>
            <th>highest epoch</th>
            <th>sees down</th>
          </tr>
        </thead>
        <tbody id="agents" />
      </table>
      <h2>Voters</h2>
      <table>
        <thead>
          <tr>
            <th>voter</th>
            <th>answered</th>
            <th>role</th>
            <th>committed</th>
            <th>published</th>
          </tr>
        </thead>
        <tbody id="voters" />
      </table>
      <h2>Events</h2>
      <ol id="events" class="events" />
      <details id="admin">
        <summary>Operator actions (admin token)</summary>
        <form id="admin-form">
          <input id="admin-token" type="password" autocomplete="off" placeholder="admin token" />
          <input id="admin-target" placeholder="target host:port (optional)" />
          <button type="button" id="failover" disabled>
            Failover
          </button>
          <button type="button" id="switchover" disabled>
            Switchover
          </button>
        </form>
        <p id="admin-result" />
      </details>
    </Shell>
  );
}
