// ServerTask (long and quick operations) and its invoke subclasses (operations
// that take parameters before ExecuteDefault runs them), shaped like the real SDK's.
using System;
using System.Collections.Generic;
using FakeMip;

namespace VideoOS.Platform.ConfigurationItems
{
    /// <summary>Task states; Success, Error and Completed are final (MilestonePSTools treats all three so).</summary>
    public enum StateEnum { Idle, InProgress, Success, Error, Completed }

    /// <summary>Failure of an operation, reported through the task's ErrorText rather than thrown.</summary>
    internal sealed class TaskFailure : Exception
    {
        public TaskFailure(string message) : base(message) { }
    }

    public class ServerTask : IConfigurationItem
    {
        /// <summary>Polls a long operation needs before it completes.</summary>
        internal const int PollsToFinish = 2;

        internal int pollsLeft;
        internal Func<SiteStore, ServerTask, string> work;
        internal bool writes;
        internal List<string> faultKeys = new List<string>();
        private StateEnum state = StateEnum.Idle;
        private int progress;
        private int errorCode;
        private string errorText = "";

        public ServerTask() { }

        public StateEnum State { get { return state; } }
        public int Progress { get { return progress; } }
        public int ErrorCode { get { return errorCode; } }
        public string ErrorText { get { return errorText; } }

        /// <summary>Asks the server how the task is doing (one round trip); the change lands on the last poll.</summary>
        public void UpdateState()
        {
            Require();
            var st = Sessions.RoundTrip(sid);
            lock (this)
            {
                if (state != StateEnum.InProgress) return;
                pollsLeft--;
                if (pollsLeft > 0) { progress = 100 * (PollsToFinish - pollsLeft) / PollsToFinish; Sync(); return; }
                Complete(st);
            }
        }

        internal void Begin()
        {
            pollsLeft = PollsToFinish;
            state = StateEnum.InProgress;
            Sync();
        }

        internal void Complete(SiteStore st)
        {
            lock (st.Lock)
            {
                st.EnsureFresh();
                foreach (var key in faultKeys)
                {
                    var text = st.FaultText("FailTask", key);
                    if (text != null) { Fail(text, 500); return; }
                }
                try
                {
                    path = work(st, this) ?? "";
                    if (writes)
                    {
                        st.WriteThrough();
                        Diagnostics.CountWrite(sid.HostKey);
                    }
                    state = FinalState(st);
                    progress = 100;
                }
                catch (TaskFailure f)
                {
                    Fail(f.Message, 400);
                }
                catch (Exception e)
                {
                    // The work may have changed the tree half-way: forget it and re-read the file.
                    st.Discard();
                    Fail(e.Message, 500);
                }
            }
            Sync();
        }

        /// <summary>Success, unless the world's Faults.FinishAs names this operation (or item) with "Completed".</summary>
        private StateEnum FinalState(SiteStore st)
        {
            foreach (var key in faultKeys)
            {
                var text = st.FaultText("FinishAs", key);
                if (text == "Completed") return StateEnum.Completed;
            }
            return StateEnum.Success;
        }

        private void Fail(string text, int code)
        {
            state = StateEnum.Error;
            errorText = text;
            errorCode = code;
            progress = 100;
            Sync();
        }

        /// <summary>Mirrors the typed state into the property bag for GetProperty.</summary>
        internal void Sync()
        {
            values.Set("State", state.ToString());
            values.Set("Progress", (long)progress);
            values.Set("ErrorCode", (long)errorCode);
            values.Set("ErrorText", errorText);
            values.Set("Path", path ?? "");
        }

        public override string ToString() { return "ServerTask " + state + " " + progress + "% " + errorText; }
    }

    /// <summary>
    /// A task that takes parameters before it runs (the real SDK's invoke objects are ServerTask
    /// subclasses): set them with SetProperty or the typed properties, then ExecuteDefault().
    /// </summary>
    public class InvokeServerTask : ServerTask
    {
        internal Func<InvokeServerTask, ServerTask> execute;

        public InvokeServerTask() { }

        public ServerTask ExecuteDefault()
        {
            Require();
            if (execute == null) throw new NotSupportedMIPException("This task has nothing to execute.");
            return execute(this);
        }

        public override void Save() { ExecuteDefault(); }

        public override string ToString() { return itemType + " on " + parentItemPath; }
    }

    public class MoveHardwareServerTask : InvokeServerTask
    {
        public string DestinationRecordingServer { get { return S("DestinationRecordingServer"); } set { Put("DestinationRecordingServer", value); } }
        public string DestinationStorage { get { return S("DestinationStorage"); } set { Put("DestinationStorage", value); } }
        public bool ignoreSourceRecordingServer { get { return B("ignoreSourceRecordingServer"); } set { Put("ignoreSourceRecordingServer", value); } }
    }

    public class ChangeDeviceRecordingStorageServerTask : InvokeServerTask
    {
        internal Dictionary<string, string> choices = new Dictionary<string, string>();

        /// <summary>The chosen storage path (Storage[id]).</summary>
        public string ItemSelection { get { return S("ItemSelection"); } set { Put("ItemSelection", value); } }
        /// <summary>The storages of the device's recorder: name -> Storage[id].</summary>
        public Dictionary<string, string> ItemSelectionValues { get { return choices; } }
        public bool moveData { get { return B("moveData"); } set { Put("moveData", value); } }
    }

    public class ChangeSecurityPermissionsServerTask : InvokeServerTask { }

    public class ChangeOverallSecurityPermissionsServerTask : InvokeServerTask
    {
        internal Dictionary<string, string> namespaces = new Dictionary<string, string>();

        /// <summary>Security namespace name -> id (filled by the role's ChangeOverallSecurityPermissions()).</summary>
        public Dictionary<string, string> SecurityNamespaceValues { get { return namespaces; } }
    }

    public class AddViewServerTask : InvokeServerTask { }
}
