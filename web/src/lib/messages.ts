/** Messages shared by server and client code. */
export const API_UNREACHABLE_MESSAGE = 'The Sheaf API cannot be reached. Please try again in a moment.';

/** A server action or route handler of the portal itself could not be reached (network, restart). */
export const PORTAL_UNREACHABLE_MESSAGE = 'The portal could not be reached. Try again.';
