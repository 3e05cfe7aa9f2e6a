// Values only pickle can carry faithfully (Python's decimal.Decimal), what the decoder remembers about values so the
// encoder can write them back exactly, plus the rules for which pickle globals the decoder may name at all. Kept apart
// from the decoder so the encoder and docs share one list.

/** Python's decimal.Decimal, kept as its exact text (JavaScript has no decimal type). Pickles as Decimal('...'). */
export class Decimal {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
  toJSON(): string {
    return this.value;
  }
}
/** A Python `decimal.Decimal` from its text or a number: `decimal("1.10")` keeps every digit (pickle only). */
export function decimal(value: string | number | bigint): Decimal {
  return new Decimal(String(value));
}

/**
 * Dicts the decoder built from real Python dicts that have a `__class__` key. Other serializers can only carry
 * Pyro4's objects as such dicts, so the encoder writes a `{__class__: "Pyro4.core.URI"...}` or exception-shaped dict
 * as the object it describes; pickle carries real objects, so a real dict must go back as a dict (issue 24).
 */
export const realDicts = new WeakSet<object>();

/** A decoded uuid.UUID's `is_safe` (uuid.SafeUUID's value: 0, -1 or None), written back with it. */
export const uuidSafe = new WeakMap<object, unknown>();

/** Module renames Python's unpickler applies for protocol 0-2 pickles written by Python 2 (fix_imports). */
export const py2Modules: Readonly<Record<string, string>> = {
  __builtin__: "builtins", copy_reg: "copyreg", exceptions: "builtins", commands: "subprocess", thread: "_thread",
  cPickle: "pickle", StringIO: "io", cStringIO: "io", urllib2: "urllib.request", httplib: "http.client",
  Queue: "queue", SocketServer: "socketserver", UserDict: "collections", UserList: "collections",
  UserString: "collections", _winreg: "winreg", xmlrpclib: "xmlrpc.client", anydbm: "dbm", whichdb: "dbm",
  dbm: "dbm.ndbm", urlparse: "urllib.parse", robotparser: "urllib.robotparser", repr: "reprlib",
  SimpleHTTPServer: "http.server", BaseHTTPServer: "http.server", CGIHTTPServer: "http.server",
};

/** Names Python's unpickler renames for protocol 0-2 pickles written by Python 2 (after the module rename). */
export const py2Names: Readonly<Record<string, readonly [string, string]>> = {
  "builtins.xrange": ["builtins", "range"], "builtins.unicode": ["builtins", "str"], "builtins.long": ["builtins", "int"],
  "builtins.unichr": ["builtins", "chr"], "builtins.StandardError": ["builtins", "Exception"],
  "builtins.reduce": ["functools", "reduce"], "builtins.intern": ["sys", "intern"],
};

/**
 * Modules whose globals are refused on sight: naming any of them is how hostile pickles reach code (os.system,
 * subprocess.Popen, builtins.eval...). Our decoder would never call them anyway; refusing early gives a clear error.
 * Known names inside builtins/copyreg/_codecs/collections/datetime/decimal/uuid/Pyro4 are checked separately.
 */
export const deniedModules = new Set([
  "os", "posix", "nt", "posixpath", "ntpath", "subprocess", "_posixsubprocess", "sys", "shutil", "importlib",
  "imp", "zipimport", "socket", "_socket", "pty", "runpy", "code", "codeop", "ctypes", "_ctypes", "pickle",
  "_pickle", "pickletools", "marshal", "types", "operator", "_operator", "functools", "_functools", "io", "_io",
  "codecs", "webbrowser", "platform", "multiprocessing", "signal", "asyncio", "threading", "_thread", "tempfile",
  "glob", "commands", "popen2", "pdb", "bdb", "timeit", "cProfile", "profile", "site", "sysconfig", "gc",
  "inspect", "ast", "nturl2path", "pydoc", "ensurepip", "venv", "distutils", "setuptools", "pip", "builtins",
  "copyreg", "_codecs", "collections", "datetime", "decimal", "_decimal", "_pydecimal", "uuid", "Pyro4",
  "Pyro4.core", "Pyro4.errors", "Pyro4.futures", "Pyro4.util", "Pyro4.utils", "Pyro4.utils.flame",
  "Pyro4.utils.flameserver", "Pyro4.naming", "Pyro4.message", "Pyro4.socketutil", "dill", "cloudpickle", "numpy",
  "torch", "joblib", "pandas", "yaml", "urllib", "http", "ftplib", "smtplib", "telnetlib", "xmlrpc", "sqlite3",
  "logging", "atexit", "readline", "rlcompleter", "resource", "fcntl", "mmap", "select", "selectors", "ssl",
  "_winapi", "msvcrt", "winreg", "_signal", "faulthandler", "trace", "tracemalloc", "unittest", "doctest",
  "contextlib", "weakref", "copy", "abc", "enum", "string", "re", "json", "base64", "binascii", "zlib",
  "bz2", "lzma", "zipfile", "tarfile", "gzip", "shelve", "dbm", "bisect", "heapq", "itertools", "random",
  "secrets", "hashlib", "hmac", "struct", "array", "math", "cmath", "statistics", "fractions", "numbers",
  "queue", "socketserver", "winreg", "reprlib", "_dummy_thread", "posix_spawn",
]);

/** Builtin types that may appear as plain arguments (a defaultdict's factory, copyreg._reconstructor's base). */
export const builtinTypeNames = new Set([
  "object", "list", "dict", "set", "frozenset", "tuple", "int", "float", "str", "bytes", "bytearray", "bool",
  "complex",
]);

/** Python's class name of the exception a known global names, or null. */
export function exceptionName(module: string, name: string, pythonBuiltins: ReadonlySet<string>, pyroErrors: Readonly<Record<string, unknown>>): string | null {
  if (module === "builtins") return pythonBuiltins.has(name) || /^[A-Z]\w*(Error|Warning)$/.test(name) ? `builtins.${name}` : null;
  if (module === "Pyro4.errors") return Object.prototype.hasOwnProperty.call(pyroErrors, name) ? `Pyro4.errors.${name}` : null;
  return null;
}
