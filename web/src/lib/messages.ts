/** Messages shared by server and client code. */
export const API_UNREACHABLE_MESSAGE = 'The Sheaf API cannot be reached. Please try again in a moment.';
