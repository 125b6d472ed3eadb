// The MIP exception family the bridge catches. Messages name the server and the
// cause; no message ever carries a password.
using System;
using System.Runtime.CompilerServices;
using VideoOS.ConfigurationApi.ClientService;

[assembly: InternalsVisibleTo("VideoOS.Platform.SDK")]

namespace VideoOS.Platform
{
    public class MIPException : Exception
    {
        public MIPException() { }
        public MIPException(string message) : base(message) { }
        public MIPException(string message, Exception inner) : base(message, inner) { }
    }

    public class ArgumentMIPException : MIPException
    {
        public ArgumentMIPException(string message) : base(message) { }
    }

    public class CommunicationMIPException : MIPException
    {
        public CommunicationMIPException(string message) : base(message) { }
    }

    public class InvalidOperationMIPException : MIPException
    {
        public InvalidOperationMIPException(string message) : base(message) { }
    }

    public class NotSupportedMIPException : MIPException
    {
        public NotSupportedMIPException(string message) : base(message) { }
    }

    public class PathNotFoundMIPException : MIPException
    {
        public PathNotFoundMIPException(string message) : base(message) { }
    }

    /// <summary>The logged-in user lacks the rights for the call (texts start with a VMO code).</summary>
    public class NotAuthorizedMIPException : MIPException
    {
        public NotAuthorizedMIPException(string message) : base(message) { }
    }
}

namespace VideoOS.Platform.Proxy.ConfigApi
{
    /// <summary>Thrown by Save() when the server rejects the item; ValidateResult says which properties and why.</summary>
    public class ValidateResultException : VideoOS.Platform.MIPException
    {
        public ValidateResultException(ValidateResult result) : base(Describe(result))
        {
            ValidateResult = result;
        }

        public ValidateResult ValidateResult { get; private set; }

        private static string Describe(ValidateResult r)
        {
            return "Validation failed for " + (r.ResultItem == null ? "item" : r.ResultItem.Path) + ": " + r;
        }
    }
}
