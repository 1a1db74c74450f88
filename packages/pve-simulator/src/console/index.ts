/** The guest console: vncproxy / vncwebsocket and the simulated VNC server. */
export { consoleRoutes, setConsoleCaCert } from './routes';
export { CONSOLE_ROUTE_PARAMS } from './params';
export { createUpgradeHandler } from './upgrade';
export { closeVncProxies, issuedVncTickets } from './vncProxies';
export {
  consoleLineBand,
  consoleScreenText,
  renderConsoleScreen,
  SCREEN_HEIGHT,
  SCREEN_WIDTH,
} from './screen';
export type { ConsoleImage, ConsoleScreenModel } from './screen';
export { vncAuthResponse } from './vncAuth';
