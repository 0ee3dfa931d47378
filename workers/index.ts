// The Worker entry: the hono edge API, and the voter Durable Object class it routes to.
import { app } from './api/app.js';

export { Voter } from './voter/voter.js';
export default app;
