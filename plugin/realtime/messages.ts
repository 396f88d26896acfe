import type { RealtimeMessage } from '../contract/index.js';

/** Delivers a message to every connected client of one user, wherever that client is connected. */
export interface Publisher {
  publish(userId: string, message: RealtimeMessage): Promise<void>;
}
