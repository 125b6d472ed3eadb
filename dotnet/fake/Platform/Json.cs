// A small JSON reader/writer for world documents. Mono's JavaScriptSerializer
// loses key order and is slow on large documents; this keeps key order (so a
// saved document differs from the original only where something changed) and
// parses tens of megabytes per second.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace FakeMip.Json
{
    /// <summary>A JSON object that keeps its keys in document order.</summary>
    public sealed class JObj
    {
        internal readonly List<string> Keys = new List<string>();
        internal readonly List<object> Values = new List<object>();

        /// <summary>UTF-8 text of this object at CachedDepth; cleared by the store when anything below changes.</summary>
        internal byte[] Cached;
        internal int CachedDepth = -1;
        internal bool Cacheable;

        public int Count { get { return Keys.Count; } }

        public int IndexOf(string key)
        {
            for (int i = 0; i < Keys.Count; i++)
            {
                if ((object)Keys[i] == (object)key || Keys[i] == key) return i;
            }
            return -1;
        }

        public bool Has(string key) { return IndexOf(key) >= 0; }

        public object Get(string key)
        {
            int i = IndexOf(key);
            return i < 0 ? null : Values[i];
        }

        /// <summary>Replaces the value in place, or appends the key at the end.</summary>
        public void Set(string key, object value)
        {
            int i = IndexOf(key);
            if (i >= 0) Values[i] = value;
            else { Keys.Add(key); Values.Add(value); }
        }

        public bool Remove(string key)
        {
            int i = IndexOf(key);
            if (i < 0) return false;
            Keys.RemoveAt(i);
            Values.RemoveAt(i);
            return true;
        }

        public string Str(string key)
        {
            object v = Get(key);
            return v == null ? null : v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture);
        }

        public JObj Obj(string key) { return Get(key) as JObj; }
        public List<object> Arr(string key) { return Get(key) as List<object>; }

        public List<object> ArrOrCreate(string key)
        {
            var a = Get(key) as List<object>;
            if (a == null) { a = new List<object>(); Set(key, a); }
            return a;
        }

        public IEnumerable<KeyValuePair<string, object>> Pairs()
        {
            for (int i = 0; i < Keys.Count; i++) yield return new KeyValuePair<string, object>(Keys[i], Values[i]);
        }

        /// <summary>Deep copy (without any cached text).</summary>
        public JObj Clone()
        {
            var c = new JObj();
            for (int i = 0; i < Keys.Count; i++) { c.Keys.Add(Keys[i]); c.Values.Add(CloneValue(Values[i])); }
            return c;
        }

        public static object CloneValue(object v)
        {
            var o = v as JObj;
            if (o != null) return o.Clone();
            var a = v as List<object>;
            if (a != null)
            {
                var c = new List<object>(a.Count);
                foreach (var x in a) c.Add(CloneValue(x));
                return c;
            }
            return v;
        }
    }

    public sealed class JsonFormatException : Exception
    {
        public JsonFormatException(string message) : base(message) { }
    }

    /// <summary>Parses JSON text into JObj / List&lt;object&gt; / string / long / double / bool / null.</summary>
    public sealed class JsonReader
    {
        private readonly string s;
        private int p;
        private readonly Dictionary<string, string> keyPool = new Dictionary<string, string>();
        private readonly StringBuilder sb = new StringBuilder();
        private int depth;

        /// <summary>Deepest nesting of objects and arrays a document may have. A world document needs about 12
        /// (plus two per level of camera sub-groups); a limit keeps a hostile or broken file from exhausting the
        /// stack, which would kill the process instead of failing the log-in.</summary>
        public const int MaxDepth = 64;

        private JsonReader(string text) { s = text; }

        public static object Parse(string text)
        {
            var r = new JsonReader(text);
            r.SkipWs();
            object v = r.Value();
            r.SkipWs();
            if (r.p != r.s.Length) throw r.Error("unexpected text after the end of the document");
            return v;
        }

        private JsonFormatException Error(string what)
        {
            int line = 1, col = 1;
            for (int i = 0; i < p && i < s.Length; i++) { if (s[i] == '\n') { line++; col = 1; } else col++; }
            return new JsonFormatException("invalid JSON at line " + line + ", column " + col + ": " + what);
        }

        private void SkipWs()
        {
            while (p < s.Length)
            {
                char c = s[p];
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') p++; else break;
            }
        }

        private object Value()
        {
            if (p >= s.Length) throw Error("unexpected end of document");
            char c = s[p];
            switch (c)
            {
                case '{': return Object();
                case '[': return Array();
                case '"': return String(false);
                case 't': Literal("true"); return true;
                case 'f': Literal("false"); return false;
                case 'n': Literal("null"); return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return Number();
                    throw Error("unexpected character '" + c + "'");
            }
        }

        private void Literal(string word)
        {
            if (string.CompareOrdinal(s, p, word, 0, word.Length) != 0) throw Error("expected " + word);
            p += word.Length;
        }

        private void Deeper()
        {
            if (++depth > MaxDepth)
                throw Error("objects and arrays are nested more than " + MaxDepth + " levels deep (the limit of a world document)");
        }

        private JObj Object()
        {
            Deeper();
            var o = new JObj();
            p++;
            SkipWs();
            if (p < s.Length && s[p] == '}') { p++; depth--; return o; }
            while (true)
            {
                SkipWs();
                if (p >= s.Length || s[p] != '"') throw Error("expected a key in quotes");
                string key = String(true);
                SkipWs();
                if (p >= s.Length || s[p] != ':') throw Error("expected ':' after key \"" + key + "\"");
                p++;
                SkipWs();
                object v = Value();
                o.Keys.Add(key);
                o.Values.Add(v);
                SkipWs();
                if (p >= s.Length) throw Error("unexpected end of document inside an object");
                if (s[p] == ',') { p++; continue; }
                if (s[p] == '}') { p++; depth--; return o; }
                throw Error("expected ',' or '}'");
            }
        }

        private List<object> Array()
        {
            Deeper();
            var a = new List<object>();
            p++;
            SkipWs();
            if (p < s.Length && s[p] == ']') { p++; depth--; return a; }
            while (true)
            {
                SkipWs();
                a.Add(Value());
                SkipWs();
                if (p >= s.Length) throw Error("unexpected end of document inside an array");
                if (s[p] == ',') { p++; continue; }
                if (s[p] == ']') { p++; depth--; return a; }
                throw Error("expected ',' or ']'");
            }
        }

        private string String(bool isKey)
        {
            int start = ++p;
            while (p < s.Length)
            {
                char c = s[p];
                if (c == '"')
                {
                    string plain = s.Substring(start, p - start);
                    p++;
                    return isKey ? Pool(plain) : plain;
                }
                if (c == '\\') break;
                p++;
            }
            sb.Length = 0;
            sb.Append(s, start, p - start);
            while (p < s.Length)
            {
                char c = s[p++];
                if (c == '"')
                {
                    string v = sb.ToString();
                    return isKey ? Pool(v) : v;
                }
                if (c != '\\') { sb.Append(c); continue; }
                if (p >= s.Length) break;
                char e = s[p++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (p + 4 > s.Length) throw Error("bad \\u escape");
                        sb.Append((char)int.Parse(s.Substring(p, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        p += 4;
                        break;
                    default: throw Error("bad escape \\" + e);
                }
            }
            throw Error("unterminated string");
        }

        private string Pool(string key)
        {
            string pooled;
            if (keyPool.TryGetValue(key, out pooled)) return pooled;
            key = string.Intern(key);
            keyPool[key] = key;
            return key;
        }

        private object Number()
        {
            int start = p;
            bool isFloat = false;
            if (s[p] == '-') p++;
            while (p < s.Length)
            {
                char c = s[p];
                if (c >= '0' && c <= '9') p++;
                else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { isFloat = true; p++; }
                else break;
            }
            string t = s.Substring(start, p - start);
            if (!isFloat)
            {
                long l;
                if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l)) return l;
            }
            double d;
            if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out d)) throw Error("bad number " + t);
            return d;
        }
    }

    /// <summary>
    /// Writes indented JSON. Objects marked Cacheable (hardware) keep their UTF-8 text between writes, so
    /// writing a large document after a small change re-encodes only what changed.
    /// </summary>
    public static class JsonWriter
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        /// <summary>Pending text plus the stream it is flushed to.</summary>
        private sealed class Sink
        {
            internal readonly StringBuilder Text = new StringBuilder(1 << 16);
            internal readonly Stream Stream;

            internal Sink(Stream stream) { Stream = stream; }

            internal void Flush()
            {
                if (Text.Length == 0) return;
                var bytes = Utf8.GetBytes(Text.ToString());
                Stream.Write(bytes, 0, bytes.Length);
                Text.Length = 0;
            }

            internal void Raw(byte[] bytes)
            {
                Flush();
                Stream.Write(bytes, 0, bytes.Length);
            }
        }

        public static string Write(object value)
        {
            var sb = new StringBuilder(1 << 16);
            WriteValue(sb, value, 0, null);
            sb.Append('\n');
            return sb.ToString();
        }

        public static void WriteTo(Stream stream, object value)
        {
            var sink = new Sink(stream);
            WriteValue(sink.Text, value, 0, sink);
            sink.Text.Append('\n');
            sink.Flush();
        }

        private static void Indent(StringBuilder sb, int depth)
        {
            sb.Append('\n');
            sb.Append(' ', depth * 2);
        }

        private static void WriteValue(StringBuilder sb, object v, int depth, Sink sink)
        {
            if (v == null) { sb.Append("null"); return; }
            var o = v as JObj;
            if (o != null) { WriteObject(sb, o, depth, sink); return; }
            var a = v as List<object>;
            if (a != null)
            {
                if (a.Count == 0) { sb.Append("[]"); return; }
                sb.Append('[');
                for (int i = 0; i < a.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Indent(sb, depth + 1);
                    WriteValue(sb, a[i], depth + 1, sink);
                }
                Indent(sb, depth);
                sb.Append(']');
                return;
            }
            var str = v as string;
            if (str != null) { WriteString(sb, str); return; }
            if (v is bool) { sb.Append((bool)v ? "true" : "false"); return; }
            if (v is long) { sb.Append(((long)v).ToString(CultureInfo.InvariantCulture)); return; }
            if (v is int) { sb.Append(((int)v).ToString(CultureInfo.InvariantCulture)); return; }
            if (v is double)
            {
                double d = (double)v;
                if (double.IsNaN(d) || double.IsInfinity(d)) { sb.Append("null"); return; }
                string t = d.ToString("R", CultureInfo.InvariantCulture);
                sb.Append(t);
                // Keep a float a float for readers that distinguish 30 from 30.0 (Python does).
                if (t.IndexOf('.') < 0 && t.IndexOf('E') < 0) sb.Append(".0");
                return;
            }
            WriteString(sb, Convert.ToString(v, CultureInfo.InvariantCulture));
        }

        private static void WriteObject(StringBuilder sb, JObj o, int depth, Sink sink)
        {
            if (o.Cacheable && sink != null)
            {
                if (o.Cached == null || o.CachedDepth != depth)
                {
                    var own = new StringBuilder(4096);
                    WriteFields(own, o, depth, null);
                    o.Cached = Utf8.GetBytes(own.ToString());
                    o.CachedDepth = depth;
                }
                sink.Raw(o.Cached);
                return;
            }
            WriteFields(sb, o, depth, sink);
        }

        private static void WriteFields(StringBuilder sb, JObj o, int depth, Sink sink)
        {
            if (o.Count == 0) { sb.Append("{}"); return; }
            sb.Append('{');
            for (int i = 0; i < o.Keys.Count; i++)
            {
                if (i > 0) sb.Append(',');
                Indent(sb, depth + 1);
                WriteString(sb, o.Keys[i]);
                sb.Append(": ");
                WriteValue(sb, o.Values[i], depth + 1, sink);
            }
            Indent(sb, depth);
            sb.Append('}');
        }

        public static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            int run = 0;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                string esc = null;
                if (c == '"') esc = "\\\"";
                else if (c == '\\') esc = "\\\\";
                else if (c < 0x20)
                {
                    if (c == '\n') esc = "\\n";
                    else if (c == '\r') esc = "\\r";
                    else if (c == '\t') esc = "\\t";
                    else esc = "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);
                }
                if (esc == null) { run++; continue; }
                if (run > 0) sb.Append(s, i - run, run);
                run = 0;
                sb.Append(esc);
            }
            if (run > 0) sb.Append(s, s.Length - run, run);
            sb.Append('"');
        }
    }
}
