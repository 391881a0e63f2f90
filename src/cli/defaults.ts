/** The server the remote commands talk to when neither --url nor TETHER_RELAY_URL says otherwise (the service's default port). */
export const defaultUrl = 'http://127.0.0.1:2212'
