// Python's repr() of a float (and of a complex), in one place: the serializers write floats with it (serpent and
// json bytes must equal Python's), and the repr used by command-line tools and exception messages shares it. Also
// the one rule for which JS numbers are Python ints. Leaf module: imports nothing, so every layer may use it.

/**
 * Whether a JS number is a Python int: only a safe integer, and not -0. Anything integral beyond 2^53 was a float
 * (1e300, 2.0**60) and must go back as one; a big int travels as a bigint.
 */
export function isPythonInt(x: number): boolean {
  return Number.isSafeInteger(x) && !Object.is(x, -0);
}

/**
 * Python's repr(float): shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16 (always with a
 * fraction: `1.0`), exponent notation outside it with at least two exponent digits (`1e-05`, `1e+300`),
 * `-0.0`, `inf`, `-inf`, `nan`. Hot path (serializers): the common branch is one String() call.
 */
export function floatRepr(x: number): string {
  const a = x < 0 ? -x : x;
  if (a >= 1e-4 && a < 1e16) {
    // JavaScript writes this range in fixed notation with the same shortest digits Python uses.
    const s = String(x);
    return s.includes(".") ? s : s + ".0";
  }
  if (x === 0) return 1 / x < 0 ? "-0.0" : "0.0";
  if (x !== x) return "nan";
  if (a === Infinity) return x > 0 ? "inf" : "-inf";
  // Outside the fixed range the shortest digits' decimal exponent is < -4 or >= 16, as Python decides it.
  const e = x.toExponential(); // shortest digits, "d.ddde+N"
  const ei = e.indexOf("e");
  const exp = +e.slice(ei + 1);
  const ae = exp < 0 ? -exp : exp;
  return e.slice(0, ei) + (exp < 0 ? "e-" : "e+") + (ae < 10 ? "0" + ae : String(ae));
}

/** A complex component the way complex.__repr__ writes it: float repr without the added ".0". */
function component(x: number): string {
  const s = floatRepr(x);
  return s.endsWith(".0") ? s.slice(0, -2) : s;
}

/** Python's repr(complex(real, imag)): `1j`, `(1+2j)`, `(-0-1j)`, `(1+nanj)`, `(inf-0j)`. */
export function complexRepr(real: number, imag: number): string {
  const im = component(imag);
  if (real === 0 && 1 / real > 0) return im + "j";
  const sign = imag < 0 || (imag === 0 && 1 / imag < 0) ? "" : "+";
  return "(" + component(real) + sign + im + "j)";
}
