"""QueryParams cases: construction from every accepted type, the multi-dict views,
`add`/`set`/`remove`/`merge`, str/repr (spaces as "+"), ordering, equality and hashing."""

from __future__ import annotations

import random

from .oracle import Outcome, differing_fields

PRELUDE = """
def describe(q):
    return {
        "str": attempt(str, q),
        "repr": attempt(repr, q),
        "keys": attempt(lambda: repr(list(q.keys()))),
        "values": attempt(lambda: repr(list(q.values()))),
        "items": attempt(lambda: repr(list(q.items()))),
        "multi_items": attempt(lambda: repr(q.multi_items())),
        "len": attempt(len, q),
        "bool": attempt(bool, q),
        "iter": attempt(lambda: repr(list(q))),
        "get_a": attempt(lambda: repr(q.get("a"))),
        "get_list_a": attempt(lambda: repr(q.get_list("a"))),
        "a_in": attempt(lambda: "a" in q),
        "index_a": attempt(lambda: repr(q["a"])),
        "type": type(q).__name__,
    }
"""

WEIGHT = 1

_VALUES = [
    "None",
    "''",
    "'a=1'",
    "'a=1&a=2&b='",
    "'a'",
    "'=x'",
    "'&&'",
    "'&a=1&'",
    "'a=1;b=2'",
    "'a+b=c%20d'",
    "'%zz=1'",
    "'a=%E2%98%83'",
    "'a=%ff'",
    "'a=1&A=2'",
    "'?a=1'",
    "'a=b=c'",
    "'a==b'",
    "' a = 1 '",
    "'a=ü'",
    "'a=1#f'",
    "b'a=1'",
    "b'a=%20+'",
    "b'\\xff=1'",
    "{'a': '1'}",
    "{'a': ['1', '2']}",
    "{'a': ('1', '2')}",
    "{'a': []}",
    "{'a': None}",
    "{'a': True, 'b': False}",
    "{'a': 1, 'b': 1.5, 'c': -0.0}",
    "{1: 'x'}",
    "{None: 'x'}",
    "{'a': b'x'}",
    "{'a': [None, True, 2]}",
    "{'a': {'b': 1}}",
    "{'a': object()}",
    "{'a b': 'c d', 'é': 'ü', '&': '='}",
    "{'a': '+', 'b': '%', 'c': '%20', 'd': '/?#[]@'}",
    "[('a', '1'), ('a', '2')]",
    "[('a', '1'), ('b', '2'), ('a', '3')]",
    "[('a',)]",
    "[('a', '1', '2')]",
    "[['a', '1']]",
    "(('a', '1'),)",
    "[]",
    "()",
    "['a=1']",
    "[('a', None), ('b', True)]",
    "[(1, 2)]",
    "httpx.QueryParams('a=1&a=2')",
    "123",
    "1.5",
    "True",
    "object()",
    "{'a', 'b'}",
    "iter([('a', '1')])",
]

CASES: list[tuple[str, str]] = []
for _index, _value in enumerate(_VALUES):
    CASES.append((f"qp-init-{_index}", f"result = describe(httpx.QueryParams({_value}))"))

_MORE = [
    "describe(httpx.QueryParams(a='1', b=['2', '3']))",
    "describe(httpx.QueryParams({'a': '1'}, b='2'))",
    "describe(httpx.QueryParams('a=1', 'b=2'))",
    "describe(httpx.QueryParams())",
    "describe(httpx.QueryParams('a=1&b=2').set('a', '3'))",
    "describe(httpx.QueryParams('a=1&a=2&b=2').set('a', '3'))",
    "describe(httpx.QueryParams('b=2&a=1').set('c', None))",
    "describe(httpx.QueryParams('a=1').set('a', True))",
    "describe(httpx.QueryParams('a=1').set(1, 2))",
    "describe(httpx.QueryParams('a=1').set('a', [1, 2]))",
    "describe(httpx.QueryParams('a=1').add('a', '2'))",
    "describe(httpx.QueryParams('a=1').add('b', False))",
    "describe(httpx.QueryParams('a=1').add('a', None))",
    "describe(httpx.QueryParams('a=1&b=2').remove('a'))",
    "describe(httpx.QueryParams('a=1&b=2').remove('z'))",
    "describe(httpx.QueryParams('a=1&a=2&b=2').remove('a'))",
    "describe(httpx.QueryParams('a=1&b=2').merge({'b': '3', 'c': '4'}))",
    "describe(httpx.QueryParams('a=1&a=2').merge({'a': '3'}))",
    "describe(httpx.QueryParams('a=1').merge('a=5&a=6&b=7'))",
    "describe(httpx.QueryParams('a=1').merge(None))",
    "describe(httpx.QueryParams('a=1').merge([('b', 1), ('b', 2)]))",
    "describe(httpx.QueryParams('a=1').merge(httpx.QueryParams('a=2')))",
    "describe(httpx.QueryParams('a=1').merge())",
    "httpx.QueryParams('a=1').update({'b': '2'})",
    "httpx.QueryParams('a=1').__setitem__('b', '2')",
    "httpx.QueryParams('a=1') == httpx.QueryParams('a=1')",
    "httpx.QueryParams('a=1&b=2') == httpx.QueryParams('b=2&a=1')",
    "httpx.QueryParams('a=1&a=2') == httpx.QueryParams('a=2&a=1')",
    "httpx.QueryParams('a=1') == 'a=1'",
    "httpx.QueryParams('a=1') == {'a': '1'}",
    "httpx.QueryParams('a=1') == [('a', '1')]",
    "httpx.QueryParams('a=1') == None",
    "httpx.QueryParams('a=1') == 1",
    "httpx.QueryParams('a=1') != httpx.QueryParams('a=2')",
    "hash(httpx.QueryParams('a=1&b=2')) == hash(httpx.QueryParams('b=2&a=1'))",
    "hash(httpx.QueryParams('a=1')) == hash(httpx.QueryParams('a=1'))",
    "len({httpx.QueryParams('a=1'), httpx.QueryParams('a=1')})",
    "httpx.QueryParams('a=1')['b']",
    "httpx.QueryParams('a=1')[0]",
    "httpx.QueryParams('a=1').get('b', 'default')",
    "httpx.QueryParams('a=1').get(1)",
    "httpx.QueryParams('1=x').get(1)",
    "httpx.QueryParams('a=1').get_list('b')",
    "httpx.QueryParams('1=x').get_list(1)",
    "1 in httpx.QueryParams('1=x')",
    "None in httpx.QueryParams('a=1')",
    "httpx.QueryParams('a=1').keys()",
    "httpx.QueryParams('a=1&a=2').values()",
    "httpx.QueryParams('a=1&a=2').items()",
    "type(httpx.QueryParams('a=1').keys()).__name__",
    "isinstance(httpx.QueryParams(), typing.Mapping)",
    "dict(httpx.QueryParams('a=1&a=2&b=3'))",
    "str(httpx.QueryParams({'q': 'a b'}))",
    "str(httpx.QueryParams({'q': 'a+b'}))",
    "str(httpx.QueryParams('q=a+b'))",
    "str(httpx.QueryParams('q=a%20b'))",
    "str(httpx.QueryParams({'q': '~-._*'}))",
    "str(httpx.QueryParams({'q': \"!'()\"}))",
    "httpx.QueryParams('a=1').copy()",
    "httpx.QueryParams('a=1').setdefault('b', '2')",
    "httpx.QueryParams('a=1').pop('a')",
    "list(reversed(httpx.QueryParams('a=1&b=2')))",
    "httpx.QueryParams('a=1') | httpx.QueryParams('b=2')",
    "bool(httpx.QueryParams(''))",
    "repr(httpx.QueryParams({'a': 'x\"y'}))",
]
for _index, _expr in enumerate(_MORE):
    _code = f"import typing\nresult = {_expr}"
    CASES.append((f"qp-ops-{_index}", _code))


# --- generated cases ----------------------------------------------------------------------

_KEYS = ["a", "a", "b", "A", "", " ", "a b", "é", "&", "=", "+", "%", "%20", "1", "a=b", "ü"]
_VALS = [
    "'1'",
    "'2'",
    "''",
    "' '",
    "'a b'",
    "'x+y'",
    "'%'",
    "'%zz'",
    "'ü'",
    "'&='",
    "None",
    "True",
    "False",
    "0",
    "1.5",
    "-1",
    "'#'",
    "'/?'",
    "'\\u2603'",
    "['1', '2']",
    "[]",
    "('x',)",
]


def _source(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        pairs = []
        for _ in range(rng.randint(0, 4)):
            key = rng.choice(_KEYS + ["%41", "a%20b", "a+b", "%e2%98%83", "%ff"])
            if rng.random() < 0.2:
                pairs.append(key)
            else:
                pairs.append(
                    key + "=" + rng.choice(["1", "", "x y", "a+b", "%20", "%zz", "ü", "="])
                )
        return repr(rng.choice(["&", "&", ";"]).join(pairs))
    if roll < 0.6:
        items = {rng.choice(_KEYS): rng.choice(_VALS) for _ in range(rng.randint(0, 4))}
        return "{" + ", ".join(f"{key!r}: {value}" for key, value in items.items()) + "}"
    if roll < 0.85:
        items_list = [(rng.choice(_KEYS), rng.choice(_VALS)) for _ in range(rng.randint(0, 4))]
        return "[" + ", ".join(f"({key!r}, {value})" for key, value in items_list) + "]"
    return f"httpx.QueryParams({_source(rng)})"


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"queryparams-{seed}")
    cases = []
    for index in range(count):
        lines = [f"q = httpx.QueryParams({_source(rng)})"]
        for _ in range(rng.randint(0, 3)):
            op = rng.choice(["set", "add", "remove", "merge", "merge"])
            key = rng.choice(_KEYS)
            if op == "remove":
                lines.append(f"q = q.remove({key!r})")
            elif op == "merge":
                lines.append(f"q = q.merge({_source(rng)})")
            else:
                lines.append(f"q = q.{op}({key!r}, {rng.choice(_VALS)})")
        if rng.random() < 0.2:
            lines.append(f"result = (describe(q), q == httpx.QueryParams({_source(rng)}))")
        else:
            lines.append("result = describe(q)")
        cases.append((f"qp-gen-{seed}-{index}", "\n".join(lines)))
    return cases


EMPTY_VALUES = (
    "a key given an empty list of values has no first value: values(), items(), get() and "
    "[] skip it where httpx 0.28 raises IndexError: "
    "docs/compatibility.md#a-query-parameter-with-no-values"
)


def classify(case_id: str, code: str, ours: Outcome, reference: Outcome) -> str | None:
    if reference.get("message") == "list index out of range" and "[]" in code:
        return EMPTY_VALUES
    fields = differing_fields(ours, reference)
    if fields and all(
        isinstance(theirs, str) and theirs.startswith("!IndexError: list index out of range")
        for _, theirs in fields.values()
    ):
        return EMPTY_VALUES
    return None
