/** The Socket.IO baseline: every client joins one room; a `msg` from anyone goes to the room. */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { reportReady } from '../lib/report-server.ts';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.on('connection', (socket) => {
  void socket.join('chat');
  socket.on('msg', (payload) => {
    io.to('chat').emit('msg', payload);
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  reportReady(typeof address === 'object' && address ? address.port : 0, async () => {
    io.close();
  });
});
