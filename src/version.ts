// Version strings shown by the CLI and sent nowhere on the wire.
export const VERSION = "0.1.0";
/** The Python Pyro4 release whose behaviour this package reproduces. */
export const PYRO4_COMPAT_VERSION = "4.82";
