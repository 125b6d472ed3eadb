// The raw configuration item of the Configuration API's WCF service: a path,
// a type, a flat list of key/value properties and the method ids it offers.
// Raw methods (ReplaceHardware, TaskCleanup) are reached only this way.
using System.Collections.Generic;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace VideoOS.ConfigurationApi.ClientService
{
    /// <summary>One key/value of a raw item; values are always text, as on the wire.</summary>
    [DataContract(Namespace = Contract.Namespace)]
    public class Property
    {
        public Property() { }
        public Property(string key, string value) { Key = key; Value = value; DisplayName = key; ValueType = "String"; IsSettable = true; }

        [DataMember]
        public string Key { get; set; }
        [DataMember]
        public string Value { get; set; }
        [DataMember]
        public string DisplayName { get; set; }
        [DataMember]
        public string ValueType { get; set; }
        [DataMember]
        public bool IsSettable { get; set; }
    }

    [DataContract(Namespace = Contract.Namespace)]
    public class ConfigurationItem
    {
        public ConfigurationItem() { Properties = new Property[0]; MethodIds = new string[0]; Children = new ConfigurationItem[0]; }

        [DataMember]
        public string Path { get; set; }
        [DataMember]
        public string ParentPath { get; set; }
        [DataMember]
        public string ItemType { get; set; }
        [DataMember]
        public string DisplayName { get; set; }
        [DataMember]
        public Property[] Properties { get; set; }
        [DataMember]
        public string[] MethodIds { get; set; }
        [DataMember]
        public ConfigurationItem[] Children { get; set; }
        [DataMember]
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
    [ServiceContract(Namespace = Contract.Namespace)]
    public interface IConfigurationService
    {
        [OperationContract]
        ConfigurationItem GetItem(string path);

        [OperationContract]
        ConfigurationItem[] GetChildItems(string path);

        [OperationContract]
        ConfigurationItem InvokeMethod(ConfigurationItem item, string methodId);
    }

    internal static class Contract
    {
        internal const string Namespace = "http://videoos.net/2/XProtectCSServerCommand";
    }
}
