"""Golden canonical-ABI lowerings from the spec's executable reference.

Usage: canonical_abi_golden.py <dir of definitions.py> > golden.txt

Lowers each (type, value) case below with the Component Model's
definitions.py, once as flat core values (lower_flat) and once into memory
(store at a freshly allocated pointer), in each string encoding, and prints
one line per run:

    <case> <flat|store> <encoding> flat=<core values> mem=<hex> reallocs=<calls>

(each realloc call as old_ptr/old_size/align/new_size, ';'-separated)

and lifts each LIFT_CASES entry (core values over a memory holding some
bytes at LIFT_AT) in each encoding, printing whether the reference traps:

    lift-<case> <encoding> result=<trap | the value's UTF-8 or number>

canonical_abi_test.cc lowers the same cases (by name) with the C++ code and
compares the lines. The guest's cabi_realloc is the bump allocator both
sides implement: allocations start at 16 and are aligned; shrinking keeps
the pointer; growing moves to fresh memory and copies the old bytes.
"""

import struct
import sys

sys.path.insert(0, sys.argv[1])
import definitions  # noqa: E402
from definitions import *  # noqa: E402,F401,F403

# Canonical NaNs when lowering (the C++ side keeps a value's bits; the
# cases hold no NaN).
definitions.DETERMINISTIC_PROFILE = True

MEMORY_SIZE = 512
HEAP_BASE = 16


class Heap:
  def __init__(self):
    self.memory = bytearray(MEMORY_SIZE)
    self.top = HEAP_BASE
    self.calls = []

  def realloc(self, args):
    old_ptr, old_size, alignment, new_size = args
    self.calls.append('/'.join(str(a) for a in args))
    if old_ptr != 0 and new_size <= old_size:
      return [old_ptr]
    ptr = align_to(self.top, alignment)
    self.top = ptr + new_size
    n = min(old_size, new_size)
    self.memory[ptr:ptr + n] = self.memory[old_ptr:old_ptr + n]
    return [ptr]


def s(text):
  return (text, 'utf8', len(text.encode('utf-8')))


def tup(*values):
  return {str(i): v for i, v in enumerate(values)}


def fields(**kw):
  return RecordType([FieldType(k, t) for k, t in kw.items()])


RESOURCE = None  # set per run: own<R> needs the lowering instance as impl

JOINED = VariantType([CaseType('a', F32Type()), CaseType('b', U64Type()),
                      CaseType('c', None), CaseType('d', StringType())])
JOINED2 = VariantType([CaseType('a', U32Type()), CaseType('b', F32Type()),
                       CaseType('c', TupleType([F32Type(), U64Type()]))])
NESTED = ListType(OptionType(fields(x=S16Type(), y=ListType(CharType()))))
FLAGS9 = FlagsType(['f%d' % i for i in range(9)])

CASES = [
    ('bool_true', BoolType(), True),
    ('s8_neg', S8Type(), -5),
    ('u16_max', U16Type(), 65535),
    ('s32_min', S32Type(), -2**31),
    ('u64_max', U64Type(), 2**64 - 1),
    ('s64_neg', S64Type(), -2),
    ('f32', F32Type(), 1.5),
    ('f64', F64Type(), -0.25),
    ('char_astral', CharType(), '\U0001F600'),
    ('string_ascii', StringType(), s('hello')),
    ('string_latin1', StringType(), s('h\u00e9llo')),
    ('string_bmp', StringType(), s('h\u20acllo')),
    ('string_astral', StringType(), s('a\U0001F600b')),
    ('string_empty', StringType(), s('')),
    ('list_u16', ListType(U16Type()), [1, 2, 3]),
    ('list_string', ListType(StringType()), [s('a'), s('\u20ac')]),
    ('list_fixed', ListType(U8Type(), 3), [7, 8, 9]),
    ('record', fields(a=U8Type(), b=U32Type(), c=U16Type()),
     {'a': 7, 'b': 9, 'c': 3}),
    ('tuple', TupleType([U8Type(), F64Type(), StringType()]),
     tup(1, 2.5, s('x'))),
    ('variant_f32', JOINED, {'a': 1.5}),
    ('variant_u64', JOINED, {'b': 2**40 + 3}),
    ('variant_none', JOINED, {'c': None}),
    ('variant_string', JOINED, {'d': s('zz')}),
    ('variant2_f32', JOINED2, {'b': -2.0}),
    ('variant2_tuple', JOINED2, {'c': tup(0.5, 5)}),
    ('enum', EnumType(['x', 'y', 'z']), {'y': None}),
    ('option_some', OptionType(U32Type()), {'some': 5}),
    ('option_none', OptionType(U32Type()), {'none': None}),
    ('result_ok', ResultType(StringType(), U8Type()), {'ok': s('fine')}),
    ('result_err', ResultType(StringType(), U8Type()), {'error': 3}),
    ('result_empty', ResultType(None, None), {'error': None}),
    ('flags9', FLAGS9, {('f%d' % i): i in (0, 8) for i in range(9)}),
    ('nested', NESTED,
     [{'some': {'x': -3, 'y': ['a', '\u00e9', '\U0001F600']}},
      {'none': None}]),
    ('own', 'own', 42),
]

ENCODINGS = ['utf8', 'utf16', 'latin1+utf16']


def core_value(t, v):
  if t == 'f32':
    return 'f32:%08x' % struct.unpack('<I', struct.pack('<f', v))[0]
  if t == 'f64':
    return 'f64:%016x' % struct.unpack('<Q', struct.pack('<d', v))[0]
  return '%s:%d' % (t, v)


def run(name, t, v, mode, encoding):
  heap = Heap()
  opts = CanonicalOptions()
  opts.memory = MemInst(heap.memory, 'i32')
  opts.string_encoding = encoding
  opts.realloc = heap.realloc
  inst = ComponentInstance(Store())
  cx = LiftLowerContext(opts, inst)
  if t == 'own':
    t = OwnType(ResourceType(ComponentInstance(Store())))
  flat = []
  if mode == 'flat':
    values = lower_flat(cx, v, t)
    types = flatten_type(t, opts)
    flat = [core_value(ct, cv) for ct, cv in zip(types, values, strict=True)]
  else:
    ptr = cx.allocate(alignment(t, 'i32'), elem_size(t, 'i32'))
    store(cx, v, t, ptr)
  mem = heap.memory[HEAP_BASE:heap.top].hex()
  print('%s %s %s flat=%s mem=%s reallocs=%s' %
        (name, mode, encoding, ','.join(flat), mem, ';'.join(heap.calls)))


LIFT_AT = 64
UTF16_TAG = 1 << 31
VARIANT3 = VariantType([CaseType('a', None), CaseType('b', U8Type()),
                        CaseType('c', None)])

# (name, type, core values, bytes at LIFT_AT)
LIFT_CASES = [
    ('str_ascii', StringType(), [LIFT_AT, 2], b'hi'),
    ('str_bad_utf8', StringType(), [LIFT_AT, 2], b'\xc3\x28'),
    ('str_overlong', StringType(), [LIFT_AT, 2], b'\xc0\x80'),
    ('str_surrogate_utf8', StringType(), [LIFT_AT, 3], b'\xed\xa0\x80'),
    ('str_high_latin1', StringType(), [LIFT_AT, 2], b'\xe9\xff'),
    ('str_lone_high', StringType(), [LIFT_AT, 1], b'\x00\xd8'),
    ('str_lone_low', StringType(), [LIFT_AT, 1], b'\x00\xdc'),
    ('str_pair', StringType(), [LIFT_AT, 2], b'\x3d\xd8\x00\xde'),
    ('str_tagged', StringType(), [LIFT_AT, 1 | UTF16_TAG], b'\xac\x20'),
    ('str_unaligned', StringType(), [LIFT_AT + 1, 1], b'\x00ab'),
    ('str_out_of_bounds', StringType(), [MEMORY_SIZE - 2, 2], b''),
    ('str_too_long', StringType(), [0, 1 << 28], b''),
    ('char_d7ff', CharType(), [0xd7ff], b''),
    ('char_d800', CharType(), [0xd800], b''),
    ('char_dfff', CharType(), [0xdfff], b''),
    ('char_10ffff', CharType(), [0x10ffff], b''),
    ('char_110000', CharType(), [0x110000], b''),
    ('bool_2', BoolType(), [2], b''),
    ('variant_disc_2', VARIANT3, [2, 0], b''),
    ('variant_disc_3', VARIANT3, [3, 0], b''),
    ('list_unaligned', ListType(U32Type()), [LIFT_AT + 2, 1], b''),
    ('list_out_of_bounds', ListType(U32Type()), [MEMORY_SIZE - 4, 2], b''),
    ('list_too_long', ListType(U32Type()), [0, 1 << 26], b''),
]


def lift_text(v):
  if isinstance(v, tuple):
    return v[0].encode('utf-8').hex()
  if isinstance(v, str):
    return '%x' % ord(v)
  if isinstance(v, dict):
    [(label, payload)] = v.items()
    return label
  return str(v)


def run_lift(name, t, values, data, encoding):
  heap = Heap()
  heap.memory[LIFT_AT:LIFT_AT + len(data)] = data
  opts = CanonicalOptions()
  opts.memory = MemInst(heap.memory, 'i32')
  opts.string_encoding = encoding
  cx = LiftLowerContext(opts, ComponentInstance(Store()))
  try:
    result = lift_text(lift_flat(cx, CoreValueIter(values), t))
  except Trap:
    result = 'trap'
  print('lift-%s %s result=%s' % (name, encoding, result))


def main():
  for name, t, v in CASES:
    for mode in ('flat', 'store'):
      for encoding in ENCODINGS:
        run(name, t, v, mode, encoding)
  for name, t, values, data in LIFT_CASES:
    for encoding in ENCODINGS:
      run_lift(name, t, values, data, encoding)


main()
