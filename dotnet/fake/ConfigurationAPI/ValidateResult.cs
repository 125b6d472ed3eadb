// The Configuration API's own data shapes (VideoOS.ConfigurationAPI.dll,
// namespace VideoOS.ConfigurationApi.ClientService): the outcome of
// validating an item, and the raw configuration item the WCF service
// exchanges. The typed SDK (VideoOS.Platform) reports validation with these.
using System.Collections.Generic;

namespace VideoOS.ConfigurationApi.ClientService
{
    /// <summary>One rejected property: which one, why, and a stable id for the reason.</summary>
    public class ErrorResult
    {
        public ErrorResult() { }

        public ErrorResult(string errorProperty, string errorText, string errorTextId)
        {
            ErrorProperty = errorProperty;
            ErrorText = errorText;
            ErrorTextId = errorTextId;
        }

        public string ErrorProperty { get; set; }
        public string ErrorText { get; set; }
        public string ErrorTextId { get; set; }

        public override string ToString() { return ErrorProperty + ": " + ErrorText; }
    }

    /// <summary>ValidatedOk is true exactly when ErrorResults is empty; ResultItem is the item that was checked.</summary>
    public class ValidateResult
    {
        private ErrorResult[] errors = new ErrorResult[0];

        public bool ValidatedOk { get { return errors.Length == 0; } set { } }

        public ErrorResult[] ErrorResults
        {
            get { return errors; }
            set { errors = value ?? new ErrorResult[0]; }
        }

        public ConfigurationItem ResultItem { get; set; }

        public void AddError(string property, string text, string textId)
        {
            var list = new List<ErrorResult>(errors);
            list.Add(new ErrorResult(property, text, textId));
            errors = list.ToArray();
        }

        public override string ToString()
        {
            if (ValidatedOk) return "ValidatedOk";
            var parts = new List<string>();
            foreach (var e in errors) parts.Add(e.ToString());
            return string.Join("; ", parts);
        }
    }
}
