import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

/**
 * @fastify/websocket's error handler for established sockets. What a client causes (a frame over
 * maxPayload, a bad frame, a connection reset) is the client's problem: one line at info, no stack.
 * Anything else is ours and logged as an error.
 */
export function socketErrorHandler(error: Error & { code?: string }, socket: WebSocket, request: FastifyRequest): void {
  const code = error.code ?? '';
  if (code.startsWith('WS_ERR_') || code === 'ECONNRESET' || code === 'EPIPE') request.log.info({ code, reason: error.message }, 'websocket closed: client error');
  else request.log.error({ err: error }, 'websocket error');
  socket.terminate();
}
