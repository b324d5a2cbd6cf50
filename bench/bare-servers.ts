/**
 * The baselines: the least a Node server can do for the same traffic, run as a child process
 * exactly like the real services. `http` answers every POST with 202 and a small JSON body;
 * `socket` does the same and broadcasts a running count to every socket.io client.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const [kind, port] = process.argv.slice(2);
let count = 0;
// the socket.io server is attached below; the handler reads it when a request comes
let io: Server | undefined;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', chunk => chunks.push(chunk));
  request.on('end', () => {
    count++;
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end('{"status":"accepted","option":"a"}');
    if (io) io.emit('results', { total: count });
  });
});
if (kind === 'socket') io = new Server(server, { serveClient: false });
io?.on('connection', socket => socket.emit('results', { total: count }));
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
