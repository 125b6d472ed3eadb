// Key/value settings of a child item (driver settings, per-stream settings) as
// the real SDK hands them out: ConfigurationApiProperties with short keys
// ("FPS") and long ones ("stream:0.0.1/FPS/<guid>"), raw string values, and
// the allowed values of each key. Changes land on the owning item's Save.
using System;
using System.Collections.Generic;
using System.Globalization;
using FakeMip.Json;

namespace VideoOS.Platform.ConfigurationItems
{
    /// <summary>A child item of a configuration item: settings only, saved through its owner.</summary>
    public interface IConfigurationChildItem
    {
        string DisplayName { get; }
        ConfigurationApiProperties Properties { get; }
    }

    /// <summary>One allowed value of a setting (its display name and its raw value).</summary>
    public class ValueTypeInfo
    {
        public string Name { get; set; }
        public string Value { get; set; }
        public string ValueType { get; set; }
    }

    public class ConfigurationApiProperties
    {
        private readonly IConfigurationItem item;
        private readonly string prefix;
        /// <summary>Keys that are typed properties of the child, never settings.</summary>
        private static readonly HashSet<string> Typed = new HashSet<string> { "StreamReferenceId", "Id", "Name", "Enabled" };

        internal ConfigurationApiProperties(IConfigurationItem item, string prefix)
        {
            this.item = item;
            this.prefix = prefix;
        }

        /// <summary>Short keys ("FPS").</summary>
        public List<string> Keys
        {
            get
            {
                var keys = new List<string>();
                foreach (var k in item.values.Keys) if (!Typed.Contains(k)) keys.Add(k);
                return keys;
            }
        }

        /// <summary>Long keys ("stream:0.0.1/FPS/&lt;guid&gt;"); GetValue and SetValue take either form.</summary>
        public List<string> KeysFullName
        {
            get
            {
                var keys = new List<string>();
                foreach (var k in Keys) keys.Add(prefix + "/" + k + "/" + (item.ownerId ?? ""));
                return keys;
            }
        }

        private string Short(string key)
        {
            if (key == null) throw new ArgumentMIPException("A setting key must not be null.");
            int first = key.IndexOf('/');
            if (first < 0) return key;
            int second = key.IndexOf('/', first + 1);
            return second < 0 ? key.Substring(first + 1) : key.Substring(first + 1, second - first - 1);
        }

        /// <summary>The raw value ("h264", "8.0"); ArgumentMIPException for a key the driver does not have.</summary>
        public string GetValue(string key)
        {
            var k = Short(key);
            if (Typed.Contains(k) || !item.values.Has(k))
                throw new ArgumentMIPException("The driver has no setting '" + key + "' on " + item.path + "; its settings: " + string.Join(", ", Keys) + ".");
            return IConfigurationItem.Text(item.values.Get(k));
        }

        public void SetValue(string key, string value)
        {
            var k = Short(key);
            if (Typed.Contains(k) || !item.values.Has(k))
                throw new ArgumentMIPException("The driver has no setting '" + key + "' on " + item.path + "; its settings: " + string.Join(", ", Keys) + ".");
            item.Put(k, value ?? "");
        }

        /// <summary>What a setting may hold: here the current value (the fake knows no driver's value lists).</summary>
        public List<ValueTypeInfo> GetValueTypeInfoCollection(string key)
        {
            var v = GetValue(key);
            return new List<ValueTypeInfo> { new ValueTypeInfo { Name = v, Value = v, ValueType = "String" } };
        }

        public override string ToString() { return string.Join(", ", Keys.ToArray()); }
    }
}
