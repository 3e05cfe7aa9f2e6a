// Moved to python/exceptions.ts (the one home of the Python <-> JavaScript exception mapping). This re-export
// only keeps branches that still import it from server/connection.ts merging cleanly; delete it after the merge.
export { PythonError, attributeError, typeError, stopIteration } from "../python/exceptions.js";
