/** Messages shared by server and client code. */
export const API_UNREACHABLE_MESSAGE = 'The Sheaf API cannot be reached. Please try again in a moment.';

/** A server action or route handler of the portal itself could not be reached (network, restart). */
export const PORTAL_UNREACHABLE_MESSAGE = 'The portal could not be reached. Try again.';

/** A change sent to the API that it did not answer in time: it may have been made all the same. */
export const API_NO_ANSWER_MESSAGE = 'The Sheaf API did not answer in time. The change may have been saved all the same: reload the page to see before trying again.';
