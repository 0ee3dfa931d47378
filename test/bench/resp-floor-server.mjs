// The least a Node.js server can do per Sentinel lookup: `node resp-floor-server.mjs <port> <host> <masterPort>` answers each
// `*3` request with the fixed GET-MASTER-ADDR reply, without parsing, in one write per chunk. Its rate is the ceiling of any
// Node server on this machine (test/bench/lookup-floor.ts), so the agent's rate is read against it.
import { createServer } from 'node:net';

const [port, host, masterPort] = process.argv.slice(2);
const reply = `*2\r\n$${host.length}\r\n${host}\r\n$${masterPort.length}\r\n${masterPort}\r\n`;
const MARK = '*3\r\n';

createServer((socket) => {
  socket.setNoDelay(true);
  // The last bytes of the previous chunk, so a request header split across chunks still counts once.
  let carry = '';
  socket.on('data', (chunk) => {
    const text = carry + chunk.toString('latin1');
    let count = 0;
    for (let at = text.indexOf(MARK); at !== -1; at = text.indexOf(MARK, at + MARK.length)) count++;
    carry = text.slice(-(MARK.length - 1));
    if (carry.includes('*')) carry = carry.slice(carry.indexOf('*'));
    else carry = '';
    if (count > 0) socket.write(reply.repeat(count));
  });
  socket.on('error', () => socket.destroy());
}).listen(Number(port), '127.0.0.1');
