// Device groups, roles with their members, view groups and views.
using System.Collections.Generic;
using FakeMip;

namespace VideoOS.Platform.ConfigurationItems
{
    public class CameraGroup : IConfigurationItem
    {
        public CameraGroup() { }
        public CameraGroup(ServerId serverId, string path) { InitFromPath(serverId, path, "CameraGroup"); }

        public CameraGroupFolder CameraGroupFolder { get { return Folder<CameraGroupFolder>("CameraGroupFolder"); } }
        public CameraFolder CameraFolder { get { return Folder<CameraFolder>("CameraFolder"); } }
    }

    public class Role : IConfigurationItem
    {
        public Role() { }
        public Role(ServerId serverId, string path) { InitFromPath(serverId, path, "Role"); }

        public string RoleType { get { return S("RoleType"); } }
        public bool AllowSmartClientLogOn { get { return B("AllowSmartClientLogOn"); } set { Put("AllowSmartClientLogOn", value); } }
        public bool AllowWebClientLogOn { get { return B("AllowWebClientLogOn"); } set { Put("AllowWebClientLogOn", value); } }
        public bool AllowMobileClientLogOn { get { return B("AllowMobileClientLogOn"); } set { Put("AllowMobileClientLogOn", value); } }
        public bool DualAuthorizationRequired { get { return B("DualAuthorizationRequired"); } set { Put("DualAuthorizationRequired", value); } }
        public bool MakeUsersAnonymousDuringPTZSession { get { return B("MakeUsersAnonymousDuringPTZSession"); } set { Put("MakeUsersAnonymousDuringPTZSession", value); } }

        public UserFolder UserFolder { get { return Folder<UserFolder>("UserFolder"); } }

        // A role's device permissions are changed on the device (DeviceItem.ChangeSecurityPermissions(rolePath)) and
        // its view-group permissions on the view group: there is no bulk read of them, as on a real server.

        /// <summary>The security namespaces (SecurityNamespaceValues: name -> id) without any permissions.</summary>
        public ChangeOverallSecurityPermissionsServerTask ChangeOverallSecurityPermissions()
        {
            Require();
            return Operations.SecurityNamespaces(this);
        }

        /// <summary>The role's overall permissions for one security namespace (its id, from SecurityNamespaceValues).</summary>
        public ChangeOverallSecurityPermissionsServerTask ChangeOverallSecurityPermissions(string securityNamespace)
        {
            Require();
            return Operations.Permissions<ChangeOverallSecurityPermissionsServerTask>(this, path, "OverallSecurity", securityNamespace);
        }
    }

    public class User : IConfigurationItem
    {
        public User() { }
        public User(ServerId serverId, string path) { InitFromPath(serverId, path, "User"); }

        public override string Name { get { return S("Name") ?? S("AccountName"); } set { Put("Name", value); } }
        public override string DisplayName { get { return S("DisplayName"); } }
        public string Sid { get { return S("Sid"); } }
        public string IdentityType { get { return S("IdentityType"); } }
        public string AccountName { get { return S("AccountName"); } }
        public string Domain { get { return S("Domain"); } }
    }

    public class ViewGroup : IConfigurationItem
    {
        public ViewGroup() { }
        public ViewGroup(ServerId serverId, string path) { InitFromPath(serverId, path, "ViewGroup"); }

        public ViewGroupFolder ViewGroupFolder { get { return Folder<ViewGroupFolder>("ViewGroupFolder"); } }
        public ViewFolder ViewFolder { get { return Folder<ViewFolder>("ViewFolder"); } }

        /// <summary>A role's permissions on this view group (read them, change them, ExecuteDefault).</summary>
        public ChangeSecurityPermissionsServerTask ChangeSecurityPermissions(string rolePath)
        {
            Require();
            return Operations.Permissions<ChangeSecurityPermissionsServerTask>(this, rolePath, "ViewGroupPermissions", path);
        }
    }

    public class ViewItemChildItem : ChildItem
    {
        public string ViewItemDefinitionXml { get { return S("ViewItemDefinitionXml"); } set { Put("ViewItemDefinitionXml", value); } }
    }

    public class View : IConfigurationItem
    {
        private List<ViewItemChildItem> items;
        private FakeMip.Json.JObj node;

        public View() { }
        public View(ServerId serverId, string path) { InitFromPath(serverId, path, "View"); }

        public string LayoutViewItems { get { return S("LayoutViewItems"); } set { Put("LayoutViewItems", value); } }
        public string Shortcut { get { return S("Shortcut"); } set { Put("Shortcut", value); } }

        internal override FakeMip.Json.JObj TakeSnapshot(FakeMip.Json.JObj n)
        {
            node = n;
            items = null;
            return base.TakeSnapshot(n);
        }

        public List<ViewItemChildItem> ViewItemChildItems
        {
            get
            {
                if (items == null)
                {
                    var st = SiteStore.Open(sid.HostKey);
                    lock (st.Lock) items = ChildItem.Bind<ViewItemChildItem>(this, node, "ViewItems", "ViewItemChildItem");
                }
                return items;
            }
        }

        internal override IEnumerable<IConfigurationItem> SaveParts()
        {
            yield return this;
            if (items != null) foreach (var i in items) yield return i;
        }
    }
}
