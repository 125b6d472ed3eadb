// Checks a parsed world document against schema/world.schema.json before the
// fake serves it, so a document that is valid JSON but wrong in shape (a frame
// rate that is a string, a missing Name, an Id that is not a GUID) is refused
// with the file and the JSON path of the fault instead of being read as garbage.
//
// This is a small interpreter for exactly the JSON Schema keywords the world
// schema uses. Any other keyword makes the schema itself unusable, loudly, so
// the schema and this checker cannot drift apart without anyone noticing.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using FakeMip.Json;
using VideoOS.Platform;

namespace FakeMip
{
    /// <summary>One compiled schema object. Null members mean "keyword absent".</summary>
    internal sealed class SchemaNode
    {
        /// <summary>The $defs name when this node is a definition (used in messages: "is not a Guid").</summary>
        internal string DefName;
        /// <summary>Allowed JSON types as a bit set of SchemaTypes; 0 = any.</summary>
        internal int Types;
        internal bool HasConst;
        internal object Const;
        /// <summary>True when const or enum is present (both compare the whole value).</summary>
        internal bool HasValueRules { get { return HasConst || Enum != null; } }
        internal List<object> Enum;
        internal int MinLength = -1;
        internal Regex Pattern;
        /// <summary>The same pattern as a straight-line matcher when it is that simple (a GUID, Camera[GUID]); else null.</summary>
        internal SimplePattern FastPattern;
        internal string PatternText;
        internal bool HasMinimum, HasMaximum;
        internal double Minimum, Maximum;
        internal Dictionary<string, SchemaNode> Properties;
        internal string[] Required;
        /// <summary>Schema for keys not in Properties; null = anything goes unless NoAdditional.</summary>
        internal SchemaNode AdditionalProperties;
        internal bool NoAdditional;
        internal SchemaNode PropertyNames;
        internal SchemaNode Items;
        internal int MinItems = -1;
        internal List<SchemaNode> AllOf;
        internal SchemaNode Ref;

        /// <summary>When "type" is this node's only rule: its type bits (the value's kind alone decides); else 0.</summary>
        internal int OnlyTypes;

        internal bool OnlyRef
        {
            get
            {
                return Ref != null && Types == 0 && !HasValueRules && MinLength < 0 && Pattern == null && !HasMinimum &&
                    !HasMaximum && Properties == null && Required == null && AdditionalProperties == null && !NoAdditional &&
                    PropertyNames == null && Items == null && MinItems < 0 && AllOf == null;
            }
        }

        /// <summary>The key order last seen for objects checked here; replaced whole, so concurrent checks are safe.</summary>
        internal volatile KeyLayout Layout;
    }

    /// <summary>
    /// An object's keys with the schema of each, remembered per schema node: objects of one kind (every camera)
    /// share their key order, and parsed keys are pooled strings, so the next camera is matched by reference
    /// comparisons instead of a dictionary look-up per key and a search per required key.
    /// </summary>
    internal sealed class KeyLayout
    {
        internal string[] Keys;
        /// <summary>Per key: its schema, or null when the key is not checked here.</summary>
        internal SchemaNode[] Subs;
        /// <summary>True when these keys include every required one and every key is allowed.</summary>
        internal bool Complete;
    }

    /// <summary>
    /// A pattern made only of literals and [character classes], each once, {n} times, or repeated with + or *
    /// (only where what follows cannot be confused with it), anchored with ^. Matches without backtracking, several
    /// times faster than Regex on Mono; patterns outside this shape use Regex. Like Regex and Python's re, a final
    /// $ also accepts one trailing newline, so this agrees with `python -m fakes validate`.
    /// </summary>
    internal sealed class SimplePattern
    {
        private sealed class Atom
        {
            internal bool[] Set = new bool[128];
            internal int Min = 1;
            internal int Max = 1;
        }

        private readonly List<Atom> atoms = new List<Atom>();
        private Atom[] sequence;
        private bool anchoredEnd;

        private SimplePattern() { }

        /// <summary>The straight-line form of the pattern, or null when it needs a real regular expression engine.</summary>
        internal static SimplePattern TryCompile(string pattern)
        {
            if (pattern.Length == 0 || pattern[0] != '^') return null;
            var sp = new SimplePattern();
            int i = 1;
            while (i < pattern.Length)
            {
                char c = pattern[i];
                if (c == '$' && i == pattern.Length - 1) { sp.anchoredEnd = true; break; }
                var atom = new Atom();
                if (c == '[')
                {
                    i = ReadClass(pattern, i + 1, atom.Set);
                    if (i < 0) return null;
                }
                else if (c == '\\')
                {
                    if (i + 1 >= pattern.Length || !IsEscapablePunct(pattern[i + 1])) return null;
                    atom.Set[pattern[i + 1]] = true;
                    i += 2;
                }
                else if (c < 128 && "^$.|?*+()[]{}".IndexOf(c) < 0)
                {
                    atom.Set[c] = true;
                    i++;
                }
                else return null;
                if (i < pattern.Length)
                {
                    char q = pattern[i];
                    if (q == '*') { atom.Min = 0; atom.Max = int.MaxValue; i++; }
                    else if (q == '+') { atom.Max = int.MaxValue; i++; }
                    else if (q == '{')
                    {
                        int close = pattern.IndexOf('}', i);
                        int n;
                        if (close < 0 || !int.TryParse(pattern.Substring(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out n))
                            return null;
                        atom.Min = atom.Max = n;
                        i = close + 1;
                    }
                    else if (q == '?') return null;
                }
                sp.atoms.Add(atom);
            }
            // Greedy without backtracking is only exact when a repeated atom cannot also match anything that may come
            // next: the following atoms up to the first that cannot be skipped, or the newline a final $ allows.
            for (int k = 0; k < sp.atoms.Count; k++)
            {
                var a = sp.atoms[k];
                if (a.Min == a.Max) continue;
                int next = k + 1;
                for (; next < sp.atoms.Count; next++)
                {
                    if (Overlap(a.Set, sp.atoms[next].Set)) return null;
                    if (sp.atoms[next].Min > 0) break;
                }
                if (next == sp.atoms.Count && sp.anchoredEnd && a.Set['\n']) return null;
            }
            sp.sequence = sp.atoms.ToArray();
            return sp;
        }

        private static bool IsEscapablePunct(char c)
        {
            return c < 128 && !char.IsLetterOrDigit(c) && c > ' ';
        }

        /// <summary>Reads a class body after '['; returns the index after ']' or -1 when it is not a plain class.</summary>
        private static int ReadClass(string p, int i, bool[] set)
        {
            if (i < p.Length && p[i] == '^') return -1;
            bool first = true;
            while (i < p.Length)
            {
                char c = p[i];
                if (c == ']') return first ? -1 : i + 1;  // "[]...]" is read differently by different engines
                first = false;
                if (c == '\\')
                {
                    if (i + 1 >= p.Length || !IsEscapablePunct(p[i + 1])) return -1;
                    c = p[i + 1];
                    i += 2;
                }
                else if (c == '[') return -1;
                else i++;
                if (c >= 128) return -1;
                if (i + 1 < p.Length && p[i] == '-' && p[i + 1] != ']')
                {
                    char hi = p[i + 1];
                    if (hi == '\\' || hi >= 128 || hi < c) return -1;
                    for (char x = c; x <= hi; x++) set[x] = true;
                    i += 2;
                }
                else set[c] = true;
            }
            return -1;
        }

        private static bool Overlap(bool[] a, bool[] b)
        {
            for (int i = 0; i < a.Length; i++) if (a[i] && b[i]) return true;
            return false;
        }

        internal bool IsMatch(string s)
        {
            int pos = 0;
            for (int k = 0; k < sequence.Length; k++)
            {
                var a = sequence[k];
                int n = 0;
                while (n < a.Max && pos < s.Length && s[pos] < 128 && a.Set[s[pos]]) { pos++; n++; }
                if (n < a.Min) return false;
            }
            if (!anchoredEnd) return true;
            return pos == s.Length || (pos == s.Length - 1 && s[pos] == '\n');
        }
    }

    internal static class SchemaTypes
    {
        internal const int Object = 1, Array = 2, String = 4, Number = 8, Integer = 16, Boolean = 32, Null = 64;

        internal static int Parse(string name, string where)
        {
            switch (name)
            {
                case "object": return Object;
                case "array": return Array;
                case "string": return String;
                case "number": return Number;
                case "integer": return Integer;
                case "boolean": return Boolean;
                case "null": return Null;
                default: throw new SchemaLoadException("unknown type \"" + name + "\" at " + where);
            }
        }

        internal static string Names(int set)
        {
            var names = new List<string>();
            if ((set & Object) != 0) names.Add("object");
            if ((set & Array) != 0) names.Add("array");
            if ((set & String) != 0) names.Add("string");
            if ((set & Number) != 0) names.Add("number");
            if ((set & Integer) != 0) names.Add("integer");
            if ((set & Boolean) != 0) names.Add("boolean");
            if ((set & Null) != 0) names.Add("null");
            return string.Join(" or ", names);
        }
    }

    internal sealed class SchemaLoadException : Exception
    {
        internal SchemaLoadException(string message) : base(message) { }
    }

    /// <summary>Turns the schema's JSON into SchemaNodes, refusing any keyword the checker does not implement.</summary>
    internal sealed class SchemaCompiler
    {
        // Keywords that only annotate; they never change what is valid.
        private static readonly HashSet<string> Annotations = new HashSet<string>
        {
            "$schema", "$id", "$comment", "title", "description",
        };

        private readonly Dictionary<string, SchemaNode> defs = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
        private readonly JObj defsJson;

        private SchemaCompiler(JObj root)
        {
            defsJson = root.Obj("$defs");
        }

        internal static SchemaNode Compile(JObj root)
        {
            var c = new SchemaCompiler(root);
            // Every definition gets its node first, so recursive references (a camera group in a camera group) resolve.
            if (c.defsJson != null)
            {
                foreach (var kv in c.defsJson.Pairs()) c.defs[kv.Key] = new SchemaNode { DefName = kv.Key };
                foreach (var kv in c.defsJson.Pairs())
                {
                    var body = kv.Value as JObj;
                    if (body == null) throw new SchemaLoadException("$defs/" + kv.Key + " is not an object");
                    c.Fill(c.defs[kv.Key], body, "#/$defs/" + kv.Key);
                }
            }
            var node = new SchemaNode();
            c.Fill(node, root, "#");
            return node;
        }

        private SchemaNode Sub(object json, string where)
        {
            var o = json as JObj;
            if (o == null) throw new SchemaLoadException("expected a schema object at " + where);
            var n = new SchemaNode();
            Fill(n, o, where);
            // A bare {"$ref": ...} is the definition itself: skipping the wrapper saves a call per value checked.
            return n.OnlyRef ? n.Ref : n;
        }

        private void Fill(SchemaNode n, JObj s, string where)
        {
            foreach (var kv in s.Pairs())
            {
                string at = where + "/" + kv.Key;
                object v = kv.Value;
                if (Annotations.Contains(kv.Key)) continue;
                switch (kv.Key)
                {
                    case "$defs":
                        if (where != "#") throw new SchemaLoadException("$defs is only supported at the top, not at " + at);
                        break;
                    case "$ref":
                        n.Ref = Resolve(v as string, at);
                        break;
                    case "type":
                        if (v is string) n.Types = SchemaTypes.Parse((string)v, at);
                        else if (v is List<object>)
                        {
                            foreach (var t in (List<object>)v)
                            {
                                if (!(t is string)) throw new SchemaLoadException("type names must be strings at " + at);
                                n.Types |= SchemaTypes.Parse((string)t, at);
                            }
                        }
                        else throw new SchemaLoadException("type must be a string or a list at " + at);
                        break;
                    case "const":
                        n.HasConst = true;
                        n.Const = v;
                        break;
                    case "enum":
                        n.Enum = v as List<object>;
                        if (n.Enum == null) throw new SchemaLoadException("enum must be a list at " + at);
                        break;
                    case "minLength": n.MinLength = (int)WholeNumber(v, at); break;
                    case "minItems": n.MinItems = (int)WholeNumber(v, at); break;
                    case "minimum": n.HasMinimum = true; n.Minimum = Number(v, at); break;
                    case "maximum": n.HasMaximum = true; n.Maximum = Number(v, at); break;
                    case "pattern":
                        n.PatternText = v as string;
                        if (n.PatternText == null) throw new SchemaLoadException("pattern must be a string at " + at);
                        // Built once per schema load (also to reject a malformed pattern). The schema's patterns use
                        // only syntax on which .NET and Python's re (behind `python -m fakes validate`) agree.
                        n.FastPattern = SimplePattern.TryCompile(n.PatternText);
                        var options = RegexOptions.CultureInvariant | (n.FastPattern == null ? RegexOptions.Compiled : RegexOptions.None);
                        try { n.Pattern = new Regex(n.PatternText, options); }
                        catch (ArgumentException e) { throw new SchemaLoadException("bad pattern at " + at + ": " + e.Message); }
                        break;
                    case "properties":
                        var props = v as JObj;
                        if (props == null) throw new SchemaLoadException("properties must be an object at " + at);
                        n.Properties = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
                        foreach (var p in props.Pairs()) n.Properties[p.Key] = Sub(p.Value, at + "/" + p.Key);
                        break;
                    case "required":
                        var req = v as List<object>;
                        if (req == null) throw new SchemaLoadException("required must be a list at " + at);
                        n.Required = new string[req.Count];
                        for (int i = 0; i < req.Count; i++)
                        {
                            n.Required[i] = req[i] as string;
                            if (n.Required[i] == null) throw new SchemaLoadException("required names must be strings at " + at);
                        }
                        break;
                    case "additionalProperties":
                        if (v is bool)
                        {
                            if (!(bool)v) n.NoAdditional = true;
                        }
                        else n.AdditionalProperties = Sub(v, at);
                        break;
                    case "propertyNames": n.PropertyNames = Sub(v, at); break;
                    case "items": n.Items = Sub(v, at); break;
                    case "allOf":
                        var all = v as List<object>;
                        if (all == null) throw new SchemaLoadException("allOf must be a list at " + at);
                        n.AllOf = new List<SchemaNode>();
                        for (int i = 0; i < all.Count; i++) n.AllOf.Add(Sub(all[i], at + "/" + i));
                        break;
                    default:
                        throw new SchemaLoadException("the keyword \"" + kv.Key + "\" at " + at +
                            " is not supported by the fake SDK's schema checker; implement it in dotnet/fake/Platform/SchemaCheck.cs");
                }
            }
            if (n.Types != 0 && n.Ref == null && !n.HasValueRules && n.MinLength < 0 && n.Pattern == null && !n.HasMinimum &&
                !n.HasMaximum && n.Properties == null && n.Required == null && n.AdditionalProperties == null && !n.NoAdditional &&
                n.PropertyNames == null && n.Items == null && n.MinItems < 0 && n.AllOf == null)
                n.OnlyTypes = n.Types;
        }

        private SchemaNode Resolve(string reference, string at)
        {
            const string prefix = "#/$defs/";
            if (reference == null || !reference.StartsWith(prefix, StringComparison.Ordinal))
                throw new SchemaLoadException("only references of the form #/$defs/Name are supported, not " +
                    (reference ?? "a non-string") + " at " + at);
            SchemaNode target;
            if (!defs.TryGetValue(reference.Substring(prefix.Length), out target))
                throw new SchemaLoadException("the reference " + reference + " at " + at + " names no definition");
            return target;
        }

        private static double Number(object v, string at)
        {
            if (v is long) return (long)v;
            if (v is double) return (double)v;
            throw new SchemaLoadException("expected a number at " + at);
        }

        private static long WholeNumber(object v, string at)
        {
            if (v is long && (long)v >= 0) return (long)v;
            throw new SchemaLoadException("expected a whole number >= 0 at " + at);
        }
    }

    /// <summary>Walks a document against a compiled schema, collecting the first few problems with their JSON paths.</summary>
    internal sealed class SchemaChecker
    {
        internal const int Listed = 5;
        private const int ShownChars = 80;

        // The JSON path of the value being checked: a key, or null and an array index, per level. Rendered only
        // when a problem is reported, so a valid document costs no string building.
        private string[] keys = new string[32];
        private int[] indexes = new int[32];
        private int depth;
        private readonly List<string> problems = new List<string>(Listed);
        private int count;
        // Set while checking an object's keys (propertyNames), so messages say "the key ..." not the value.
        private bool checkingKey;

        internal int Count { get { return count; } }
        internal List<string> Problems { get { return problems; } }

        internal void Check(SchemaNode s, object v)
        {
            if (s.Ref != null) Check(s.Ref, v);
            if (s.AllOf != null) for (int i = 0; i < s.AllOf.Count; i++) Check(s.AllOf[i], v);
            // One test of the value's kind, then only the keywords that apply to it: this runs for every value
            // of a document with tens of thousands of cameras.
            var str = v as string;
            if (str != null)
            {
                if (!TypeFits(s, SchemaTypes.String, v)) return;
                if (s.HasValueRules) CheckValueRules(s, v);
                if (s.MinLength >= 0 && CodePoints(str) < s.MinLength)
                    Report("expected at least " + s.MinLength + " character" + (s.MinLength == 1 ? "" : "s") + ", found " + Describe(v, false));
                if (s.Pattern != null && !(s.FastPattern != null ? s.FastPattern.IsMatch(str) : s.Pattern.IsMatch(str)))
                    Report(Describe(v, false) + (s.DefName != null ? " is not a " + s.DefName + " (pattern " : " does not match the pattern ")
                        + s.PatternText + (s.DefName != null ? ")" : ""));
                return;
            }
            var obj = v as JObj;
            if (obj != null)
            {
                if (!TypeFits(s, SchemaTypes.Object, v)) return;
                if (s.HasValueRules) CheckValueRules(s, v);
                CheckObject(s, obj);
                return;
            }
            var arr = v as List<object>;
            if (arr != null)
            {
                if (!TypeFits(s, SchemaTypes.Array, v)) return;
                if (s.HasValueRules) CheckValueRules(s, v);
                if (s.MinItems >= 0 && arr.Count < s.MinItems)
                    Report("expected at least " + s.MinItems + " item" + (s.MinItems == 1 ? "" : "s") + ", found " + arr.Count);
                if (s.Items != null)
                {
                    for (int i = 0; i < arr.Count; i++)
                    {
                        Push(null, i);
                        Check(s.Items, arr[i]);
                        depth--;
                    }
                }
                return;
            }
            if (v is bool)
            {
                if (TypeFits(s, SchemaTypes.Boolean, v) && s.HasValueRules) CheckValueRules(s, v);
                return;
            }
            if (v == null)
            {
                if (TypeFits(s, SchemaTypes.Null, v) && s.HasValueRules) CheckValueRules(s, v);
                return;
            }
            double d;
            if (v is long)
            {
                if (!TypeFits(s, SchemaTypes.Number | SchemaTypes.Integer, v)) return;
                d = (long)v;
            }
            else
            {
                d = (double)v;
                // JSON Schema counts 5.0 as an integer; so does Python's jsonschema, which fakes.validate uses.
                bool whole = !double.IsInfinity(d) && Math.Floor(d) == d;
                if (!TypeFits(s, whole ? SchemaTypes.Number | SchemaTypes.Integer : SchemaTypes.Number, v)) return;
            }
            if (s.HasValueRules) CheckValueRules(s, v);
            if (s.HasMinimum && d < s.Minimum) Report(Describe(v, false) + " is below the minimum " + Show(s.Minimum));
            if (s.HasMaximum && d > s.Maximum) Report(Describe(v, false) + " is above the maximum " + Show(s.Maximum));
        }

        /// <summary>The schema type bits a value satisfies.</summary>
        private static int KindOf(object v)
        {
            if (v is string) return SchemaTypes.String;
            if (v is bool) return SchemaTypes.Boolean;
            if (v is JObj) return SchemaTypes.Object;
            if (v is List<object>) return SchemaTypes.Array;
            if (v is long) return SchemaTypes.Number | SchemaTypes.Integer;
            if (v is double)
            {
                double d = (double)v;
                return !double.IsInfinity(d) && Math.Floor(d) == d ? SchemaTypes.Number | SchemaTypes.Integer : SchemaTypes.Number;
            }
            return SchemaTypes.Null;
        }

        /// <summary>True when the value's kind (any of kinds) is allowed; else reports the mismatch.</summary>
        private bool TypeFits(SchemaNode s, int kinds, object v)
        {
            if (s.Types == 0 || (s.Types & kinds) != 0) return true;
            Report("expected " + SchemaTypes.Names(s.Types) + ", found " + Describe(v, true));
            return false;
        }

        private void CheckValueRules(SchemaNode s, object v)
        {
            if (s.HasConst && !JsonEquals(s.Const, v)) Report("expected " + Show(s.Const) + ", found " + Describe(v, false));
            if (s.Enum != null && !InEnum(s.Enum, v)) Report(Describe(v, false) + " is not one of " + EnumText(s.Enum));
        }

        private void CheckObject(SchemaNode s, JObj obj)
        {
            var layout = s.Layout;
            if (layout == null || !SameKeys(layout.Keys, obj.Keys))
            {
                layout = MakeLayout(s, obj);
                s.Layout = layout;
            }
            if (!layout.Complete) ReportMissingAndUnexpected(s, obj);
            for (int i = 0; i < layout.Keys.Length; i++)
            {
                var sub = layout.Subs[i];
                if (s.PropertyNames == null)
                {
                    // Most values ({"type": "boolean"}, {"type": "string"}) need no more than a look at their kind.
                    if (sub == null || (sub.OnlyTypes & KindOf(obj.Values[i])) != 0) continue;
                }
                string key = layout.Keys[i];
                Push(key, 0);
                if (s.PropertyNames != null)
                {
                    checkingKey = true;
                    Check(s.PropertyNames, key);
                    checkingKey = false;
                }
                if (sub != null) Check(sub, obj.Values[i]);
                depth--;
            }
        }

        private static bool SameKeys(string[] known, List<string> keys)
        {
            if (known.Length != keys.Count) return false;
            for (int i = 0; i < known.Length; i++) if ((object)known[i] != (object)keys[i]) return false;
            return true;
        }

        private static KeyLayout MakeLayout(SchemaNode s, JObj obj)
        {
            var layout = new KeyLayout { Keys = obj.Keys.ToArray(), Subs = new SchemaNode[obj.Keys.Count], Complete = true };
            for (int i = 0; i < layout.Keys.Length; i++)
            {
                SchemaNode sub;
                if (s.Properties != null && s.Properties.TryGetValue(layout.Keys[i], out sub)) layout.Subs[i] = sub;
                else if (s.NoAdditional) layout.Complete = false;
                else layout.Subs[i] = s.AdditionalProperties;
            }
            if (s.Required != null) foreach (var key in s.Required) if (obj.IndexOf(key) < 0) layout.Complete = false;
            return layout;
        }

        private void ReportMissingAndUnexpected(SchemaNode s, JObj obj)
        {
            if (s.Required != null)
            {
                foreach (var key in s.Required)
                {
                    if (obj.IndexOf(key) >= 0) continue;
                    Push(key, 0);
                    Report("required, but missing");
                    depth--;
                }
            }
            if (!s.NoAdditional) return;
            foreach (var key in obj.Keys)
            {
                if (s.Properties != null && s.Properties.ContainsKey(key)) continue;
                Push(key, 0);
                Report("unexpected key; allowed here: " + (s.Properties == null ? "none" : string.Join(", ", s.Properties.Keys)));
                depth--;
            }
        }

        private void Push(string key, int index)
        {
            if (depth == keys.Length)
            {
                Array.Resize(ref keys, depth * 2);
                Array.Resize(ref indexes, depth * 2);
            }
            keys[depth] = key;
            indexes[depth] = index;
            depth++;
        }

        private static bool InEnum(List<object> values, object v)
        {
            foreach (var e in values) if (JsonEquals(e, v)) return true;
            return false;
        }

        /// <summary>JSON equality: numbers by value (1 == 1.0), objects regardless of key order.</summary>
        private static bool JsonEquals(object a, object b)
        {
            if (a == null || b == null) return a == null && b == null;
            if ((a is long || a is double) && (b is long || b is double))
                return (a is long ? (long)a : (double)a) == (b is long ? (long)b : (double)b);
            if (a is string || a is bool) return a.Equals(b);
            var la = a as List<object>;
            var lb = b as List<object>;
            if (la != null || lb != null)
            {
                if (la == null || lb == null || la.Count != lb.Count) return false;
                for (int i = 0; i < la.Count; i++) if (!JsonEquals(la[i], lb[i])) return false;
                return true;
            }
            var oa = a as JObj;
            var ob = b as JObj;
            if (oa == null || ob == null || oa.Count != ob.Count) return false;
            foreach (var kv in oa.Pairs())
            {
                if (!ob.Has(kv.Key) || !JsonEquals(kv.Value, ob.Get(kv.Key))) return false;
            }
            return true;
        }

        private static int CodePoints(string s)
        {
            int n = 0;
            for (int i = 0; i < s.Length; i++) if (!char.IsLowSurrogate(s[i])) n++;
            return n;
        }

        private static string EnumText(List<object> values)
        {
            var parts = new List<string>();
            foreach (var e in values) parts.Add(Show(e));
            return string.Join(", ", parts);
        }

        private void Report(string what)
        {
            count++;
            if (problems.Count >= Listed) return;
            problems.Add(PathText() + ": " + (checkingKey ? "the key " : "") + what);
        }

        /// <summary>True when the value being checked sits under a key that holds a secret, so it must never be shown.</summary>
        private bool Secret()
        {
            for (int i = depth - 1; i >= 0; i--)
            {
                if (keys[i] != null) return keys[i].IndexOf("password", StringComparison.OrdinalIgnoreCase) >= 0;
            }
            return false;
        }

        /// <summary>"string \"fast\"" (withType) or "\"fast\""; objects and arrays by kind only; secrets hidden.</summary>
        private string Describe(object v, bool withType)
        {
            string kind = Kind(v);
            if (v is JObj || v is List<object> || v == null) return kind;
            if (Secret() && !checkingKey) return withType ? kind + " (value hidden)" : "the hidden value";
            return withType ? kind + " " + Show(v) : Show(v);
        }

        private static string Kind(object v)
        {
            if (v == null) return "null";
            if (v is JObj) return "object";
            if (v is List<object>) return "array";
            if (v is string) return "string";
            if (v is bool) return "boolean";
            if (v is long) return "integer";
            return "number";
        }

        private static string Show(object v)
        {
            if (v == null) return "null";
            var s = v as string;
            if (s != null)
            {
                var sb = new StringBuilder();
                JsonWriter.WriteString(sb, s.Length > ShownChars ? s.Substring(0, ShownChars) + "..." : s);
                return sb.ToString();
            }
            if (v is bool) return (bool)v ? "true" : "false";
            if (v is long) return ((long)v).ToString(CultureInfo.InvariantCulture);
            if (v is double) return ((double)v).ToString("R", CultureInfo.InvariantCulture);
            return Kind(v);
        }

        private string PathText()
        {
            var sb = new StringBuilder("$");
            for (int i = 0; i < depth; i++)
            {
                string key = keys[i];
                if (key == null) { sb.Append('[').Append(indexes[i].ToString(CultureInfo.InvariantCulture)).Append(']'); continue; }
                if (IsPlainName(key)) sb.Append('.').Append(key);
                else { sb.Append('['); JsonWriter.WriteString(sb, key); sb.Append(']'); }
            }
            return sb.ToString();
        }

        private static bool IsPlainName(string key)
        {
            if (key.Length == 0 || char.IsDigit(key[0])) return false;
            foreach (char c in key) if (!(c == '_' || (c < 128 && char.IsLetterOrDigit(c)))) return false;
            return true;
        }
    }

    /// <summary>The world schema, found next to the fake's assemblies (or through SMARTSYNC_FAKE_SCHEMA) and compiled once.</summary>
    internal static class WorldSchema
    {
        internal const string FileName = "world.schema.json";
        internal const string EnvironmentVariable = "SMARTSYNC_FAKE_SCHEMA";

        private static readonly object gate = new object();
        private static SchemaNode compiled;

        /// <summary>Where the schema is read from: next to VideoOS.Platform.dll, else the environment variable.</summary>
        internal static string Locate()
        {
            string here = System.IO.Path.GetDirectoryName(typeof(WorldSchema).Assembly.Location) ?? "";
            string beside = System.IO.Path.Combine(here, FileName);
            if (File.Exists(beside)) return beside;
            string env = System.Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrEmpty(env))
            {
                if (File.Exists(env)) return env;
                throw new InvalidOperationMIPException("The world schema named by " + EnvironmentVariable + " (" + env +
                    ") does not exist. Point it at schema/world.schema.json of the SmartSync checkout, or run `bash dotnet/build.sh`, which copies it to " + beside + ".");
            }
            throw new InvalidOperationMIPException("The fake SDK cannot find the world schema " + beside +
                ". Run `bash dotnet/build.sh` (it copies schema/world.schema.json there) or set " + EnvironmentVariable + " to that file.");
        }

        /// <summary>The compiled schema; loaded on first use. A schema that cannot be used is an error every time, never skipped.</summary>
        internal static SchemaNode Get()
        {
            lock (gate)
            {
                if (compiled != null) return compiled;
                string file = Locate();
                try
                {
                    var root = JsonReader.Parse(File.ReadAllText(file, Encoding.UTF8)) as JObj;
                    if (root == null) throw new SchemaLoadException("the top is not an object");
                    compiled = SchemaCompiler.Compile(root);
                }
                catch (JsonFormatException e) { throw SchemaUnusable(file, e.Message); }
                catch (SchemaLoadException e) { throw SchemaUnusable(file, e.Message); }
                catch (IOException e) { throw SchemaUnusable(file, "cannot be read (" + e.Message + ")"); }
                return compiled;
            }
        }

        private static InvalidOperationMIPException SchemaUnusable(string file, string why)
        {
            return new InvalidOperationMIPException("The world schema " + file + " cannot be used: " + why + ".");
        }

        /// <summary>Null when the document fits the schema; else up to five problems with their JSON paths, and how many more.</summary>
        internal static string Problems(object doc)
        {
            var checker = new SchemaChecker();
            checker.Check(Get(), doc);
            if (checker.Count == 0) return null;
            string text = string.Join("; ", checker.Problems);
            int more = checker.Count - checker.Problems.Count;
            if (more > 0) text += " (and " + more + " more problem" + (more == 1 ? "" : "s") + ": first " + SchemaChecker.Listed + " listed)";
            return text;
        }
    }
}
