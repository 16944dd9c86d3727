"""Golden canonical-ABI lowerings from the spec's executable reference.

Usage: canonical_abi_golden.py <dir of definitions.py> > golden.txt

Lowers each (type, value) case below with the Component Model's
definitions.py, once as flat core values (lower_flat) and once into memory
(store at a freshly allocated pointer), in each string encoding, and prints
one line per run:

    <case> <flat|store> <encoding> flat=<core values> mem=<hex>

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

  def realloc(self, args):
    old_ptr, old_size, alignment, new_size = args
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
  print('%s %s %s flat=%s mem=%s' % (name, mode, encoding, ','.join(flat), mem))


def main():
  for name, t, v in CASES:
    for mode in ('flat', 'store'):
      for encoding in ENCODINGS:
        run(name, t, v, mode, encoding)


main()
