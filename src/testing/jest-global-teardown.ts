/** The Jest `globalTeardown` matching jest-global-setup: closes its broker. */
import { jestGlobalTeardown } from './jest-global-setup';

export default jestGlobalTeardown;
