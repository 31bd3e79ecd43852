"""Satisfaction questionnaires (Qualiopi indicator 2): « à chaud » in the last week of training, « à froid » six
months after the end; a programme's statements edited by managers; anonymous answers through personal links."""
