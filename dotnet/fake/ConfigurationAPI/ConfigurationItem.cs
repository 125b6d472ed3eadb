// The raw configuration item of the Configuration API's WCF service: a path,
// a type, a flat list of key/value properties and the method ids it offers.
// Raw methods (ReplaceHardware, TaskCleanup) are reached only this way.
using System.Collections.Generic;

namespace VideoOS.ConfigurationApi.ClientService
{
    /// <summary>One key/value of a raw item; values are always text, as on the wire.</summary>
    public class Property
    {
        public Property() { }
        public Property(string key, string value) { Key = key; Value = value; DisplayName = key; ValueType = "String"; IsSettable = true; }

        public string Key { get; set; }
        public string Value { get; set; }
        public string DisplayName { get; set; }
        public string ValueType { get; set; }
        public bool IsSettable { get; set; }
    }

    public class ConfigurationItem
    {
        public ConfigurationItem() { Properties = new Property[0]; MethodIds = new string[0]; Children = new ConfigurationItem[0]; }

        public string Path { get; set; }
        public string ParentPath { get; set; }
        public string ItemType { get; set; }
        public string DisplayName { get; set; }
        public Property[] Properties { get; set; }
        public string[] MethodIds { get; set; }
        public ConfigurationItem[] Children { get; set; }
        public bool ChildrenFilled { get; set; }

        /// <summary>The value of a property, or null when the item has none by that key.</summary>
        public string Value(string key)
        {
            foreach (var p in Properties ?? new Property[0]) if (p.Key == key) return p.Value;
            return null;
        }

        /// <summary>Sets a property, adding it when missing (how a caller fills in an invoke item).</summary>
        public void SetValue(string key, string value)
        {
            foreach (var p in Properties ?? new Property[0]) if (p.Key == key) { p.Value = value; return; }
            var list = new List<Property>(Properties ?? new Property[0]);
            list.Add(new Property(key, value));
            Properties = list.ToArray();
        }

        public override string ToString() { return ItemType + " " + Path; }
    }

    /// <summary>
    /// The Configuration API service contract (/ManagementServer/ConfigurationApiService.svc), the part raw
    /// methods need: read an item, invoke a method on it (an invoke item, then a task), read the task again.
    /// </summary>
    public interface IConfigurationService
    {
        ConfigurationItem GetItem(string path);
        ConfigurationItem[] GetChildItems(string path);
        ConfigurationItem InvokeMethod(ConfigurationItem item, string methodId);
    }
}
