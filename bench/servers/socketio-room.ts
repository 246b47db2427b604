/** The Socket.IO baseline: each client joins its room (`?room=`, one room when absent); a `msg` goes to the sender's room. */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { reportReady } from '../lib/report-server.ts';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.on('connection', (socket) => {
  const room = `chat:${String(socket.handshake.query.room ?? '')}`;
  void socket.join(room);
  socket.on('msg', (payload) => {
    io.to(room).emit('msg', payload);
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  reportReady(typeof address === 'object' && address ? address.port : 0, async () => {
    io.close();
  });
});
