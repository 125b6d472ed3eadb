// A minimal JSON writer: the interop helper hands Python one string per
// recorder, so the bridge crosses the Python/.NET boundary once instead of
// once per property (about 1 us each, times 60 properties, times 100k cameras).
using System;
using System.Collections;
using System.Globalization;
using System.Text;

namespace SmartSync.Interop
{
    internal sealed class JsonWriter
    {
        private readonly StringBuilder sb;
        // One flag per open container: true until its first element is written.
        private readonly bool[] first = new bool[64];
        private int depth;

        public JsonWriter(int capacity)
        {
            sb = new StringBuilder(capacity);
        }

        public override string ToString()
        {
            return sb.ToString();
        }

        public void BeginObject()
        {
            Separator();
            sb.Append('{');
            Push();
        }

        public void EndObject()
        {
            depth--;
            sb.Append('}');
        }

        public void BeginArray()
        {
            Separator();
            sb.Append('[');
            Push();
        }

        public void EndArray()
        {
            depth--;
            sb.Append(']');
        }

        // Writes the key; the next value call writes its value without a comma.
        public void Key(string name)
        {
            Separator();
            WriteString(name);
            sb.Append(':');
            first[depth] = true;
        }

        public void Value(object value)
        {
            Separator();
            WriteScalar(value);
        }

        public void Property(string name, object value)
        {
            Key(name);
            Value(value);
        }

        private void Push()
        {
            depth++;
            first[depth] = true;
        }

        private void Separator()
        {
            if (depth == 0)
                return;
            if (first[depth])
                first[depth] = false;
            else
                sb.Append(',');
        }

        private void WriteScalar(object value)
        {
            if (value == null)
            {
                sb.Append("null");
                return;
            }
            if (value is string)
            {
                WriteString((string)value);
                return;
            }
            if (value is bool)
            {
                sb.Append((bool)value ? "true" : "false");
                return;
            }
            if (value is double || value is float || value is decimal)
            {
                double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsNaN(d) || double.IsInfinity(d))
                    sb.Append("null");
                else if (d == Math.Floor(d) && Math.Abs(d) < 1e15)
                    // Keep a double a JSON float ("25.0") so Python sees the same type as the world document.
                    sb.Append(d.ToString("0.0", CultureInfo.InvariantCulture));
                else
                    sb.Append(d.ToString("R", CultureInfo.InvariantCulture));
                return;
            }
            if (value is int || value is long || value is short || value is byte || value is uint || value is ulong
                || value is ushort || value is sbyte)
            {
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            }
            if (value is Enum)
            {
                WriteString(value.ToString());
                return;
            }
            if (value is DateTime)
            {
                WriteString(((DateTime)value).ToString("o", CultureInfo.InvariantCulture));
                return;
            }
            if (value is Guid)
            {
                WriteString(value.ToString());
                return;
            }
            IEnumerable seq = value as IEnumerable;
            if (seq != null)
            {
                sb.Append('[');
                bool firstItem = true;
                foreach (object o in seq)
                {
                    if (!firstItem)
                        sb.Append(',');
                    firstItem = false;
                    WriteScalar(o);
                }
                sb.Append(']');
                return;
            }
            WriteString(Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        // Copies runs of plain characters at once: most values need no escape, and 40 M characters go through here.
        private void WriteString(string s)
        {
            sb.Append('"');
            int run = 0;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c >= ' ' && c != '"' && c != '\\')
                    continue;
                sb.Append(s, run, i - run);
                run = i + 1;
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default: sb.Append("\\u").Append(((int)c).ToString("x4")); break;
                }
            }
            sb.Append(s, run, s.Length - run);
            sb.Append('"');
        }
    }
}
