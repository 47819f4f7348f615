/** Notifications from the host, each routed to the editor's handler for it. */
import type { HostNotifications, WebviewCommand } from '../src/shared/protocol';
import type { Action } from './view/help';

export type HostMessageHandlers = { [K in keyof HostNotifications]: (params: HostNotifications[K]) => void };

export function dispatchNotification<K extends keyof HostNotifications>(handlers: HostMessageHandlers, method: K, params: HostNotifications[K]): void {
  (handlers[method] as (p: HostNotifications[K]) => void)(params);
}

/** A command from the palette, a menu or a contributed keybinding, as the action a key would run. */
export function commandAction(c: WebviewCommand): Action {
  return c === 'help' ? 'help' : c;
}
