/**
 * The line protocol parser against the cases of InfluxDB's own parser tests: influxdb 1.x
 * `models/points_test.go` (named by test function) and the decode corpus of
 * `influxdata/line-protocol` (`lineprotocol/testdata/corpus.json`, "corpus"). Each case is
 * restated here as what dashwire stores: one point per numeric field, named
 * `<measurement>.<field>`. Where dashwire answers differently on purpose, `differs` says why;
 * docs/dashboard.md lists every such difference.
 */
import { describe, expect, it } from "vitest";
import { parseLineProtocol } from "./line-protocol.js";
import type { Precision } from "./line-values.js";

type Expected =
  | {
      /** [name, tags, value, ts in ms?] per stored point, in order. */
      points: Array<[string, Record<string, string>, number, number?]>;
      ignored?: number;
      /** Refusals of single fields (the line's other fields are kept). */
      refused?: RegExp[];
    }
  | { error: RegExp };

interface Case {
  /** Where the case comes from. */
  from: string;
  input: string | Buffer;
  precision?: Precision;
  expect: Expected;
  /** Why dashwire deliberately answers otherwise than InfluxDB. */
  differs?: string;
}

const MAX_FLOAT = `${(2n ** 1024n - 2n ** 971n).toString()}.0`;
const none = {};
const hostRegion = { host: "serverA", region: "us-west" };
const hostRegionEast = { host: "serverA", region: "us-east" };

const cases: Case[] = [
  // --- tags (TestPoint_Tags) ---
  { from: "TestPoint_Tags", input: "cpu value=1", expect: { points: [["cpu.value", none, 1]] } },
  { from: "TestPoint_Tags", input: "cpu,tag0=v0 value=1", expect: { points: [["cpu.value", { tag0: "v0" }, 1]] } },
  {
    from: "TestPoint_Tags",
    input: String.raw`cpu,tag0=v\ 0 value=1`,
    expect: { points: [["cpu.value", { tag0: "v 0" }, 1]] },
  },
  {
    from: "TestPoint_Tags",
    input: String.raw`cpu,tag0=v\ 0\ 1,tag1=v2 value=1`,
    expect: { points: [["cpu.value", { tag0: "v 0 1", tag1: "v2" }, 1]] },
  },
  {
    from: "TestPoint_Tags",
    input: String.raw`cpu,tag0=\, value=1`,
    expect: { points: [["cpu.value", { tag0: "," }, 1]] },
  },
  {
    from: "TestPoint_Tags",
    input: String.raw`cpu,ta\ g0=\, value=1`,
    expect: { points: [["cpu.value", { "ta g0": "," }, 1]] },
  },
  {
    from: "TestPoint_Tags",
    input: String.raw`cpu,tag0=\,1 value=1`,
    expect: { points: [["cpu.value", { tag0: ",1" }, 1]] },
  },
  {
    from: "TestPoint_Tags",
    input: String.raw`cpu,tag0=1\"\",t=k value=1`,
    expect: { points: [["cpu.value", { tag0: String.raw`1\"\"`, t: "k" }, 1]] },
  },
  {
    from: "TestPoint_Tags (v2 models refuse; 1.x and corpus accept)",
    input: "cpu,_measurement=v0,tag0=v0,_field=f,time=t value=1",
    expect: { points: [["cpu.value", { _measurement: "v0", tag0: "v0", _field: "f", time: "t" }, 1]] },
  },
  // --- NUL bytes (TestPoint_Nulls) ---
  {
    from: "TestPoint_Nulls",
    input: "cpu,tag\x001=v0 value=1",
    expect: { error: /tag key "tag\\u00001" must not contain control characters/ },
    differs: "InfluxDB keeps NUL and other control characters in keys; dashwire refuses them",
  },
  {
    from: "TestPoint_Nulls",
    input: "cpu,tag0=\x00,tag1=v0 value=1",
    expect: { error: /tag "tag0" value must not contain control characters/ },
    differs: "control characters refused",
  },
  {
    from: "TestPoint_Nulls",
    input: "cpu,tag0=v0 val\x00ue=1",
    expect: { points: [], refused: [/field "val\\u0000ue": name must not contain control characters/] },
    differs: "control characters refused",
  },
  { from: "TestPoint_Nulls", input: "cpu,tag0=v0,tag1=v0 value=\x00", expect: { error: /invalid value/ } },
  {
    from: "TestPoint_Nulls",
    input: "\x00,tag0=v0,tag1=v0 value=1",
    expect: { error: /measurement: must not contain control/ },
  },
  // --- "=" in measurements (TestPoint_EqPattern_Measurement) ---
  {
    from: "TestPoint_EqPattern_Measurement",
    input: "measurement=withEq,tag0=v0 value=1",
    expect: { points: [["measurement=withEq.value", { tag0: "v0" }, 1]] },
  },
  {
    from: "TestPoint_EqPattern_Measurement",
    input: "tag0=v0 value=1",
    expect: { points: [["tag0=v0.value", none, 1]] },
  },
  // --- empty bodies, missing parts ---
  { from: "TestParsePointNoValue", input: "", expect: { points: [] } },
  { from: "TestParsePointWhitespaceValue", input: " ", expect: { points: [] } },
  ...["cpu_load_short,host=server01,region=us-west", "cpu", "cpu,host==", "="].map(
    (input): Case => ({
      from: "TestParsePointNoFields",
      input,
      expect: { error: /missing field set|unescaped "="|empty tag key|missing "="/ },
    }),
  ),
  {
    from: "TestParsePointMissingQuote",
    input: 'cpu,host=serverA value="test',
    expect: { error: /unterminated string value/ },
  },
  {
    from: "TestParsePointMissingQuote",
    input: 'cpu,host=serverA value="test""',
    expect: { error: /unexpected "\\"" after its value/ },
  },
  ...[
    "cpu, value=1",
    "cpu,",
    "cpu,,,",
    "cpu,host=serverA,=us-east value=1i",
    String.raw`cpu,host=serverAa\,,=us-east value=1i`,
    String.raw`cpu,host=serverA\,,=us-east value=1i`,
    "cpu, =serverA value=1i",
  ].map((input): Case => ({ from: "TestParsePointMissingTagKey", input, expect: { error: /empty tag key/ } })),
  {
    from: "TestParsePointMissingTagKey",
    input: String.raw`cpu,host=serverA,\ =us-east value=1i`,
    expect: { points: [["cpu.value", { host: "serverA", " ": "us-east" }, 1]] },
  },
  ...["cpu,host", "cpu,host,", "cpu,host value=1i", "cpu,host=serverA,region value=1i"].map(
    (input): Case => ({ from: "TestParsePointMissingTagValue", input, expect: { error: /missing "="/ } }),
  ),
  ...["cpu,host=", "cpu,host=serverA,region= value=1i", "cpu,host=serverA,region=,zone=us-west value=1i"].map(
    (input): Case => ({ from: "TestParsePointMissingTagValue", input, expect: { error: /empty value/ } }),
  ),
  ...["cpu,host=f=o,", String.raw`cpu,host=f\==o,`].map(
    (input): Case => ({
      from: "TestParsePointInvalidTagFormat",
      input,
      expect: { error: /unescaped "=" in its value/ },
    }),
  ),
  ...[
    "cpu,host=serverA,region=us-west =",
    "cpu,host=serverA,region=us-west =123i",
    "cpu,host=serverA,region=us-west value=123i,=456i",
  ].map((input): Case => ({ from: "TestParsePointMissingFieldName", input, expect: { error: /empty field key/ } })),
  {
    from: "TestParsePointMissingFieldName",
    input: String.raw`cpu,host=serverA,region=us-west a\ =123i`,
    expect: { points: [["cpu.a ", hostRegion, 123]] },
  },
  ...[
    "cpu,host=serverA,region=us-west value=",
    "cpu,host=serverA,region=us-west value= 1000000000i",
    "cpu,host=serverA,region=us-west value=,value2=1i",
  ].map((input): Case => ({ from: "TestParsePointMissingFieldValue", input, expect: { error: /missing value/ } })),
  {
    from: "TestParsePointMissingFieldValue",
    input: "cpu,host=server01,region=us-west 1434055562000000000i",
    expect: { error: /missing "="/ },
  },
  {
    from: "TestParsePointMissingFieldValue",
    input: "cpu,host=server01,region=us-west value=1i,b",
    expect: { error: /field "b": missing "="/ },
  },
  {
    from: "TestParsePointMissingFieldValue",
    input: 'm f="blah"=123,r 1531703600000000000',
    expect: { error: /unexpected "=" after its value/ },
  },
  // --- numbers ---
  ...[
    "cpu v=- ",
    "cpu v=-i ",
    "cpu v=-. ",
    "cpu v=. ",
    "cpu v=1.0i ",
    "cpu v=1ii ",
    "cpu v=1a ",
    "cpu v=-e-e-e ",
    "cpu v=42+3 ",
    "cpu v=-123u",
  ].map(
    (input): Case => ({
      from: "TestParsePointBadNumber",
      input,
      expect: { error: /invalid (integer |unsigned )?value/ },
    }),
  ),
  { from: "TestParsePointBadNumber", input: "cpu v= ", expect: { error: /missing value/ } },
  {
    from: "TestParsePointMaxInt64",
    input: "cpu,host=serverA,region=us-west value=9223372036854775808i",
    expect: { error: /out of range for int64/ },
  },
  {
    from: "TestParsePointMaxInt64",
    input: "cpu,host=serverA,region=us-west value=9223372036854775807i",
    expect: { points: [], refused: [/beyond ±2\^53 and would be rounded/] },
    differs: "an integer a float64 cannot hold exactly (beyond ±2^53) is refused, not rounded",
  },
  {
    from: "TestParsePointMaxInt64",
    input: "cpu value=0009007199254740991i",
    expect: { points: [["cpu.value", none, 9007199254740991]] },
  },
  {
    from: "TestParsePointMinInt64",
    input: "cpu value=-9223372036854775809i",
    expect: { error: /out of range for int64/ },
  },
  {
    from: "TestParsePointMinInt64",
    input: "cpu value=-0009223372036854775808i",
    expect: { points: [], refused: [/beyond ±2\^53/] },
    differs: "beyond ±2^53 refused",
  },
  {
    from: "TestParsePointMinInt64",
    input: "cpu value=-0009007199254740991i",
    expect: { points: [["cpu.value", none, -9007199254740991]] },
  },
  { from: "TestParsePointMaxFloat64", input: `cpu value=1${MAX_FLOAT}`, expect: { error: /out of range for float64/ } },
  {
    from: "TestParsePointMaxFloat64",
    input: `cpu value=${MAX_FLOAT}`,
    expect: { points: [["cpu.value", none, Number.MAX_VALUE]] },
  },
  {
    from: "TestParsePointMaxFloat64",
    input: `cpu value=0000${MAX_FLOAT}`,
    expect: { points: [["cpu.value", none, Number.MAX_VALUE]] },
  },
  {
    from: "TestParsePointMinFloat64",
    input: `cpu value=-1${MAX_FLOAT}`,
    expect: { error: /out of range for float64/ },
  },
  {
    from: "TestParsePointMinFloat64",
    input: `cpu value=-0000000${MAX_FLOAT}`,
    expect: { points: [["cpu.value", none, -Number.MAX_VALUE]] },
  },
  {
    from: "TestParsePointMaxUint64",
    input: "cpu value=18446744073709551616u",
    expect: { error: /out of range for uint64/ },
  },
  {
    from: "TestParsePointMaxUint64",
    input: "cpu value=00018446744073709551615u",
    expect: { points: [], refused: [/beyond ±2\^53/] },
    differs: "beyond ±2^53 refused",
  },
  { from: "TestParsePointMinUint64", input: "cpu value=--1u", expect: { error: /invalid unsigned value/ } },
  { from: "TestParsePointMinUint64", input: "cpu value=0u", expect: { points: [["cpu.value", none, 0]] } },
  { from: "TestParsePointMinUint64", input: "cpu value=0000u", expect: { points: [["cpu.value", none, 0]] } },
  ...["value=.1a", "value=0.-1", "value=-", "value=1.1.1", "value=a", "value=9ie10", "value=NaN", "value=nAn"].map(
    (v): Case => ({
      from: "TestParsePoint{NumberNonNumeric,…,NaN}",
      input: `cpu ${v}`,
      expect: { error: /invalid value/ },
    }),
  ),
  { from: "TestParsePointScientificIntInvalid", input: "cpu value=9e10i", expect: { error: /invalid integer value/ } },
  ...(
    [
      ["1i", 1],
      ["-1i", -1],
      ["-1.0", -1],
      [".1", 0.1],
      ["1.0e4", 1e4],
      ["1e4", 1e4],
      ["1.0E4", 1e4],
      ["1E4", 1e4],
      ["1.0e-4", 1e-4],
      ["-1.0e-4", -1e-4],
      ["1.", 1],
      ["-0.64", -0.64],
      ["6.632243e+06", 6632243],
      ["6632243i", 6632243],
      ["42u", 42],
      ["-0i", 0],
    ] as const
  ).map(
    ([v, n]): Case => ({
      from: "TestParsePoint{Integer,…,FloatScientific}",
      input: `cpu value=${v}`,
      expect: { points: [["cpu.value", none, n]] },
    }),
  ),
  {
    from: "TestParsePointWithBoolField",
    input: "cpu true=true,t=t,T=T,TRUE=TRUE,True=True,false=false,f=f,F=F,FALSE=FALSE,False=False 1000000000",
    expect: {
      points: [
        ["cpu.true", none, 1, 1000],
        ["cpu.t", none, 1, 1000],
        ["cpu.T", none, 1, 1000],
        ["cpu.TRUE", none, 1, 1000],
        ["cpu.True", none, 1, 1000],
        ["cpu.false", none, 0, 1000],
        ["cpu.f", none, 0, 1000],
        ["cpu.F", none, 0, 1000],
        ["cpu.FALSE", none, 0, 1000],
        ["cpu.False", none, 0, 1000],
      ],
    },
  },
  // --- whitespace ---
  ...[
    "cpu    value=1.0 1257894000000000000",
    "cpu value=1.0     1257894000000000000",
    "cpu      value=1.0     1257894000000000000",
    "cpu value=1.0 1257894000000000000   ",
    "cpu value=1.0 1257894000000000000\n",
    "cpu   value=1.0 1257894000000000000\n",
    "cpu value=1.0 1257894000000000000\r\n",
  ].map(
    (input): Case => ({
      from: "TestParsePointWhitespace",
      input,
      expect: { points: [["cpu.value", none, 1, 1257894000000]] },
    }),
  ),
  // --- escapes (TestParsePointUnescape) ---
  {
    from: "TestParsePointUnescape",
    input: String.raw`foo\,bar value=1i`,
    expect: { points: [["foo,bar.value", none, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu\,main,regions=east value=1.0`,
    expect: { points: [["cpu,main.value", { regions: "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu\ load,region=east value=1.0`,
    expect: { points: [["cpu load.value", { region: "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape (backslash literal in a measurement)",
    input: String.raw`cpu\=load,region=east value=1.0`,
    expect: { points: [[String.raw`cpu\\=load.value`, { region: "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: "cpu=load,region=east value=1.0",
    expect: { points: [["cpu=load.value", { region: "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,region\,zone=east value=1.0`,
    expect: { points: [["cpu.value", { "region,zone": "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,region\ zone=east value=1.0`,
    expect: { points: [["cpu.value", { "region zone": "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,reg\\=ion=east value=1.0`,
    expect: { points: [["cpu.value", { [String.raw`reg\=ion`]: "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,\ =east value=1.0`,
    expect: { points: [["cpu.value", { " ": "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=east\,west value=1.0`,
    expect: { points: [["cpu.value", { regions: "east,west" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=\\ east value=1.0`,
    expect: { points: [["cpu.value", { regions: String.raw`\ east` }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=eas\\ t value=1.0`,
    expect: { points: [["cpu.value", { regions: String.raw`eas\ t` }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=east\\  value=1.0`,
    expect: { points: [["cpu.value", { regions: String.raw`east\ ` }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=east\ west value=1.0`,
    expect: { points: [["cpu.value", { regions: "east west" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=east value\,ms=1.0`,
    expect: { points: [["cpu.value,ms", { regions: "east" }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=east value\ ms=1.0`,
    expect: { points: [["cpu.value ms", { regions: "east" }, 1]] },
  },
  { from: "TestParsePointUnescape", input: 'cpu,regions=east value="1"', expect: { points: [], ignored: 1 } },
  { from: "TestParsePointUnescape", input: 'cpu,regions=east value="1,0"', expect: { points: [], ignored: 1 } },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=eas\t value=1.0`,
    expect: { points: [["cpu.value", { regions: String.raw`eas\t` }, 1]] },
  },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu,regions=\\,\,\=east value=1.0`,
    expect: { points: [["cpu.value", { regions: String.raw`\,,=east` }, 1]] },
  },
  { from: "TestParsePointUnescape", input: String.raw`cpu \a=1i`, expect: { points: [[String.raw`cpu.\a`, none, 1]] } },
  {
    from: "TestParsePointUnescape",
    input: String.raw`cpu=load,equals\=foo=tag\=value value=1i`,
    expect: { points: [["cpu=load.value", { "equals=foo": "tag=value" }, 1]] },
  },
  {
    from: "corpus",
    input: String.raw`cpu,host=two\\\ words value=42`,
    expect: { points: [["cpu.value", { host: String.raw`two\\ words` }, 42]] },
  },
  {
    from: "corpus",
    input: String.raw`cpu,host=two\\ words value=42`,
    expect: { points: [["cpu.value", { host: String.raw`two\ words` }, 42]] },
  },
  {
    from: "corpus",
    input: String.raw`m,\ e\ \=o=world,server=a x=1`,
    expect: { points: [["m.x", { " e =o": "world", server: "a" }, 1]] },
  },
  { from: "corpus", input: String.raw`cpu va\lue=42`, expect: { points: [[String.raw`cpu.va\lue`, none, 42]] } },
  // --- tags: duplicates, many, sorted ---
  ...[
    "cpu,host=serverA,host=serverB value=1i 1000000000",
    "cpu,b=2,b=1,c=3 value=1i 1000000000",
    "cpu,b=2,c=3,b=1 value=1i 1000000000",
  ].map(
    (input): Case => ({
      from: "TestParsePointWithDuplicateTags",
      input,
      expect: { error: /tag "b|host" given twice/ },
    }),
  ),
  {
    from: "TestParsePointWithVariousTags / TestNewPointLargeNumberOfTags",
    input: `m${Array.from({ length: 33 }, (_, i) => `,t${i}=x`).join("")} v=0`,
    expect: { error: /at most 32 tags/ },
    differs: "InfluxDB takes any number of tags; dashwire allows 32 per series",
  },
  {
    from: "TestParsePointKeyUnsorted",
    input: "cpu,last=1,first=2 value=1i",
    expect: { points: [["cpu.value", { first: "2", last: "1" }, 1]] },
  },
  // --- string fields (skipped, counted) ---
  {
    from: "TestParsePointWithStringField",
    input: 'cpu,host=serverA,region=us-east value=1.0,str="foo",str2="bar" 1000000000',
    expect: { points: [["cpu.value", hostRegionEast, 1, 1000]], ignored: 2 },
  },
  {
    from: "TestParsePointWithStringField",
    input: String.raw`cpu str="foo \" bar" 1000000000`,
    expect: { points: [], ignored: 1 },
  },
  {
    from: "TestParsePointWithStringWithSpaces",
    input: 'cpu value=1.0,str="foo bar" 1000000000',
    expect: { points: [["cpu.value", none, 1, 1000]], ignored: 1 },
  },
  {
    from: "TestParsePointWithStringWithNewline",
    input: 'cpu,host=serverA,region=us-east value=1.0,str="foo\nbar" 1000000000',
    expect: { points: [["cpu.value", hostRegionEast, 1, 1000]], ignored: 1 },
  },
  {
    from: "TestParsePointWithStringWithCommas",
    input: String.raw`cpu value=1.0,str="foo\,bar" 1000000000`,
    expect: { points: [["cpu.value", none, 1, 1000]], ignored: 1 },
  },
  {
    from: "TestParsePointWithStringWithCommas",
    input: 'cpu value=1.0,str="foo,bar" 1000000000',
    expect: { points: [["cpu.value", none, 1, 1000]], ignored: 1 },
  },
  {
    from: "TestParsePointWithStringWithCommas",
    input: String.raw`cpu str="foo\\",str2="bar" 1000000000`,
    expect: { points: [], ignored: 2 },
  },
  {
    from: "TestParsePointQuotedMeasurement",
    input: '"cpu",host=serverA value=1.0 1000000000',
    expect: { points: [['"cpu".value', { host: "serverA" }, 1, 1000]] },
  },
  {
    from: "TestParsePointQuotedTags",
    input: 'cpu,"host"="serverA" value=1.0 1000000000',
    expect: { points: [["cpu.value", { '"host"': '"serverA"' }, 1, 1000]] },
  },
  { from: "TestParsePoint_TrailingSlash", input: "a v=1 0\\", expect: { error: /invalid timestamp/ } },
  {
    from: "TestParsePointsUnbalancedQuotedTags",
    input: 'baz,mytag="a x=1 1441103862125\nbaz,mytag=a z=1 1441103862126',
    expect: {
      points: [
        ["baz.x", { mytag: '"a' }, 1, 1441103],
        ["baz.z", { mytag: "a" }, 1, 1441103],
      ],
    },
  },
  {
    from: "TestParsePointEscapedStringsAndCommas",
    input: String.raw`cpu value="{Hello\"{,}\" World}" 1000000000`,
    expect: { points: [], ignored: 1 },
  },
  {
    from: "TestParsePointEscapedStringsAndCommas",
    input: String.raw`cpu value="{Hello\"{\,}\" World}" 1000000000`,
    expect: { points: [], ignored: 1 },
  },
  {
    from: "TestParsePointWithStringWithEquals",
    input: 'cpu str="foo=bar",value=1.0 1000000000',
    expect: { points: [["cpu.value", none, 1, 1000]], ignored: 1 },
  },
  ...[
    String.raw`cpu value="test\\\"" 1000000000`,
    String.raw`cpu value="test\\" 1000000000`,
    String.raw`cpu value="test\"" 1000000000`,
  ].map(
    (input): Case => ({ from: "TestParsePointWithStringWithBackslash", input, expect: { points: [], ignored: 1 } }),
  ),
  { from: "TestParsePointUnicodeString", input: 'cpu value="wè" 1000000000', expect: { points: [], ignored: 1 } },
  { from: "corpus", input: 'm v="x\x01y"', expect: { points: [], ignored: 1 } },
  // --- timestamps ---
  {
    from: "TestParsePointNegativeTimestamp",
    input: "cpu value=1 -1",
    expect: { points: [["cpu.value", none, 1, -1]] },
  },
  {
    from: "TestParsePointMaxTimestamp",
    input: "cpu value=1 9223372036854775806",
    expect: { points: [["cpu.value", none, 1, 9223372036854]] },
  },
  {
    from: "TestParsePointMinTimestamp",
    input: "cpu value=1 -9223372036854775806",
    expect: { points: [["cpu.value", none, 1, -9223372036855]] },
  },
  ...[
    "cpu value=1 9223372036854775808",
    "cpu value=1 -92233720368547758078",
    "cpu value=1 -",
    "cpu value=1 -/",
    "cpu value=1 -1?",
    "cpu value=1 1-",
  ].map((input): Case => ({ from: "TestParsePointInvalidTimestamp", input, expect: { error: /timestamp/ } })),
  {
    from: "TestParsePointInvalidTimestamp",
    input: "cpu value=1 9223372036854775807 12",
    expect: { error: /unexpected text after the timestamp/ },
  },
  ...(
    [
      ["ns", "946730096789012345", 946730096789],
      ["us", "946730096789012", 946730096789],
      ["ms", "946730096789", 946730096789],
      ["s", "946730096", 946730096000],
    ] as const
  ).map(
    ([precision, ts, ms]): Case => ({
      from: "TestParsePointsWithPrecision",
      input: `cpu value=1.0 ${ts}`,
      precision,
      expect: { points: [["cpu.value", none, 1, ms]] },
    }),
  ),
  // --- comments and blank lines ---
  { from: "TestParsePointsWithPrecisionComments", input: "# comment only", expect: { points: [] } },
  {
    from: "TestParsePointsWithPrecisionComments",
    input: "# a point is below\ncpu value=1.0 1000000",
    expect: { points: [["cpu.value", none, 1, 1]] },
  },
  {
    from: "TestParsePointsWithPrecisionComments",
    input: "cpu value=1.0 1000000\n# end of points",
    expect: { points: [["cpu.value", none, 1, 1]] },
  },
  {
    from: "TestParsePointsWithPrecisionComments",
    input: "\t# a point is below\ncpu value=1.0 1000000",
    expect: { points: [["cpu.value", none, 1, 1]] },
  },
  {
    from: "TestParsePointsQuotesInFieldKey",
    input: 'cpu "a=1\ncpu value=2 1000000',
    expect: {
      points: [
        ['cpu."a', none, 1],
        ["cpu.value", none, 2, 1],
      ],
    },
  },
  { from: "TestParsePointsQuotesInFieldKey", input: String.raw`cpu "\, '= "\ v=1.0`, expect: { error: /missing "="/ } },
  {
    from: "TestParsePointsQuotesInTags",
    input: 't159,label=hey\\ "ya a=1i,value=0i\nt159,label=another a=2i,value=1i 1000000',
    expect: {
      points: [
        ["t159.a", { label: 'hey "ya' }, 1],
        ["t159.value", { label: 'hey "ya' }, 0],
        ["t159.a", { label: "another" }, 2, 1],
        ["t159.value", { label: "another" }, 1, 1],
      ],
    },
  },
  {
    from: "TestParsePointsBlankLine",
    input: "cpu value=1i 1000000000\n\ncpu value=2i 2000000000",
    expect: {
      points: [
        ["cpu.value", none, 1, 1000],
        ["cpu.value", none, 2, 2000],
      ],
    },
  },
  // --- lengths ---
  {
    from: "TestNewPointsRejectsMaxKey",
    input: `${"a".repeat(251)} value=1,ok=2.0`,
    expect: {
      points: [[`${"a".repeat(251)}.ok`, none, 2]],
      refused: [/field "value": name must be at most 256 bytes/],
    },
    differs: "names are bounded at 256 UTF-8 bytes (InfluxDB: series keys at 65,535)",
  },
  // --- the decode corpus (influxdata/line-protocol) ---
  {
    from: "corpus",
    input: "\tm v=1",
    expect: { points: [["m.v", none, 1]] },
    differs: "leading blanks are skipped, as influxdb 1.x does",
  },
  { from: "corpus", input: "x\x01y v=1", expect: { error: /measurement: must not contain control characters/ } },
  { from: "corpus", input: "m,k=x\x01y v=1", expect: { error: /control characters/ } },
  { from: "corpus", input: "m x\x01y=1", expect: { points: [], refused: [/control characters/] } },
  { from: "corpus", input: "cpu,a=x,b=y", expect: { error: /missing field set/ } },
  { from: "corpus", input: "m, x=1", expect: { error: /empty tag key/ } },
  { from: "corpus", input: Buffer.from("bad\xff v=1", "latin1"), expect: { error: /invalid UTF-8/ } },
  { from: "corpus", input: Buffer.from("m,bad\xff=foo v=1", "latin1"), expect: { error: /invalid UTF-8/ } },
  { from: "corpus", input: Buffer.from("m bad\xff=1", "latin1"), expect: { error: /invalid UTF-8/ } },
  { from: "corpus", input: Buffer.from('m f="bad\xff"', "latin1"), expect: { error: /invalid UTF-8/ } },
  {
    from: "corpus",
    input: "cpu,host=serverA,region=us-west value=1.0e-4",
    expect: { points: [["cpu.value", hostRegion, 1e-4]] },
  },
  { from: "corpus", input: 'm v="\\n"', expect: { points: [], ignored: 1 } },
];

describe("line protocol against InfluxDB's parser test cases", () => {
  for (const [i, c] of cases.entries()) {
    const label = `${i} ${c.from}: ${JSON.stringify(typeof c.input === "string" ? c.input : c.input.toString("latin1")).slice(0, 90)}`;
    it(label, () => {
      const r = parseLineProtocol(c.input, c.precision);
      const e = c.expect;
      if ("error" in e) {
        expect(r.points).toEqual([]);
        expect(r.rejected).toHaveLength(1);
        expect(r.rejected[0]?.line).toBe(1);
        expect(r.rejected[0]?.error).toMatch(e.error);
        return;
      }
      const got = r.points.map((p) => {
        const row: Array<unknown> = [p.name, { ...p.tags }, p.value];
        if (p.ts !== undefined) row.push(p.ts);
        return row;
      });
      expect(got).toEqual(e.points);
      expect(r.ignored).toBe(e.ignored ?? 0);
      expect(r.rejected.map((x) => x.error)).toEqual((e.refused ?? []).map((re) => expect.stringMatching(re)));
    });
  }
});
