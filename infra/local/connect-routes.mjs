// Test hook preloaded into one agent (`node --import`): TCP connections to some "host:port" go elsewhere.
//
// The agent reaches the other nodes at their announce address, which is also their name everywhere,
// so a node cannot be given another address in the agent file without renaming it. To route one
// agent's view of one node through a fault proxy (a partition between that agent and that node
// only), the launcher preloads this file with EDGE_SENTINEL_LOCAL_ROUTES = {"127.0.0.1:7001":
// "127.0.0.1:7009"}: net.connect / net.createConnection to a listed address connect to its
// replacement instead. ioredis looks net.createConnection up at each connect, so it sees this.
// Only the local stack uses it; nothing in the agent knows about it.
import net from 'node:net';

const routes = JSON.parse(process.env.EDGE_SENTINEL_LOCAL_ROUTES ?? '{}');

/** "host:port" -> { host, port } for a listed address, else null. */
function routeOf(host, port) {
  const to = routes[`${host ?? 'localhost'}:${port}`];
  if (typeof to !== 'string') return null;
  const colon = to.lastIndexOf(':');
  return { host: to.slice(0, colon), port: Number(to.slice(colon + 1)) };
}

function routed(original) {
  return function connect(...args) {
    const [first, second] = args;
    if (typeof first === 'object' && first !== null && first.path === undefined) {
      const to = routeOf(first.host, Number(first.port));
      if (to !== null) return original.call(this, { ...first, ...to }, ...args.slice(1));
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      const to = routeOf(typeof second === 'string' ? second : undefined, Number(first));
      if (to !== null) {
        const rest = typeof second === 'string' ? args.slice(2) : args.slice(1);
        return original.call(this, to.port, to.host, ...rest);
      }
    }
    return original.apply(this, args);
  };
}

if (Object.keys(routes).length > 0) {
  net.createConnection = routed(net.createConnection);
  net.connect = routed(net.connect);
}
