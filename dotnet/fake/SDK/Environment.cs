// VideoOS.Platform.SDK.Environment: start-up, servers, login and logout, plus the
// login exceptions of VideoOS.Platform.SDK.Platform.
using System;
using System.Net;
using FakeMip;
using VideoOS.Platform;

namespace VideoOS.Platform.SDK.Platform
{
    public class ServerNotFoundMIPException : MIPException
    {
        public ServerNotFoundMIPException(string message) : base(message) { }
    }

    public class InvalidCredentialsMIPException : MIPException
    {
        public InvalidCredentialsMIPException(string message) : base(message) { }
    }

    public class LoginFailedInternalMIPException : MIPException
    {
        public LoginFailedInternalMIPException(string message) : base(message) { }
    }
}

namespace VideoOS.Platform.SDK
{
    public static class Environment
    {
        /// <summary>Starts the (fake) SDK: reads SMARTSYNC_FAKE_WORLD and SMARTSYNC_FAKE_DELAY_MS, forgets earlier servers and sessions.</summary>
        public static void Initialize() { Startup.Initialize(); }

        public static void AddServer(bool secureOnly, Uri uri, CredentialCache credentialCache)
        {
            Sessions.AddServer(secureOnly, uri, credentialCache);
        }

        public static void AddServer(Uri uri, CredentialCache credentialCache) { AddServer(false, uri, credentialCache); }

        public static void AddServer(Uri uri, NetworkCredential credential)
        {
            var cc = new CredentialCache();
            cc.Add(uri, "Negotiate", credential);
            AddServer(false, uri, cc);
        }

        /// <summary>Adds a server whose log-in goes through an OAuth token cache (the MIP SDK's "Basic user via IDP" path).</summary>
        public static void AddServerOAuth(Uri uri, VideoOS.Platform.SDK.OAuth.MipTokenCache tokenCache)
        {
            if (tokenCache == null) throw new ArgumentMIPException("AddServerOAuth needs a MipTokenCache.");
            var cc = new CredentialCache();
            cc.Add(uri, "Basic", tokenCache.Credential);
            AddServer(false, uri, cc);
        }

        public static void RemoveServer(Uri uri) { Sessions.RemoveServer(uri); }

        public static void RemoveAllServers() { Sessions.RemoveAll(); }

        public static void Login(Uri uri, Guid integrationId, string integrationName, string version, string manufacturerName)
        {
            string message;
            switch (Sessions.Login(uri, out message))
            {
                case LoginResult.Ok: return;
                case LoginResult.NotFound: throw new VideoOS.Platform.SDK.Platform.ServerNotFoundMIPException(message);
                case LoginResult.NotAdded: throw new VideoOS.Platform.SDK.Platform.ServerNotFoundMIPException(message);
                case LoginResult.BadCredentials: throw new VideoOS.Platform.SDK.Platform.InvalidCredentialsMIPException(message);
                default: throw new VideoOS.Platform.SDK.Platform.LoginFailedInternalMIPException(message);
            }
        }

        public static void Login(Uri uri) { Login(uri, Guid.Empty, "", "", ""); }

        public static bool IsLoggedIn(Uri uri) { return Sessions.IsLoggedIn(uri); }

        /// <summary>Logs out of every server (the servers stay added).</summary>
        public static void Logout() { Sessions.LogoutAll(); }

        public static void Logout(Uri uri) { Sessions.Logout(Sessions.HostOf(uri)); }
    }
}

namespace VideoOS.Platform.SDK.OAuth
{
    /// <summary>Holds the credential an OAuth log-in trades for tokens; the fake checks it like a basic user.</summary>
    public class MipTokenCache
    {
        public MipTokenCache(Uri serverUri, NetworkCredential credential)
        {
            if (serverUri == null) throw new ArgumentMIPException("MipTokenCache needs the server Uri.");
            ServerUri = serverUri;
            Credential = credential ?? new NetworkCredential();
        }

        public Uri ServerUri { get; private set; }
        internal NetworkCredential Credential { get; private set; }
    }
}
